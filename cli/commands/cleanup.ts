// `pa cleanup`: remove backups and logs older than the retention; keeps what rollback points need.
import * as fs from "fs";
import * as path from "path";
import { CommandSpec, numberFlag, ParsedFlags } from "../../platform/args";
import { listEntries, listLogs, planCleanup } from "../release/cleanup";
import { createContext } from "../stacks/context";
import { EXIT } from "../../platform/exitCodes";
import { GitCli } from "../release/git";
import { listPoints } from "../release/rollbackPoints";
import { productionStack } from "./common";

export const spec: CommandSpec = {
    name: "cleanup",
    summary: "Remove old backups and logs (never images, never the backups of the newest rollback points).",
    usage: "pa cleanup [--retention-days <n>] [--keep-points <n>] [--dry-run] [--json]",
    flags: [
        { name: "retention-days", value: "n", help: "keep everything younger than this (default PA_RETENTION_DAYS or 30)" },
        { name: "keep-points", value: "n", help: "always keep the backups of the newest n rollback points (default 3), and of the last validated one" },
        { name: "dry-run", help: "only list what would be removed" },
        { name: "json", help: 'print {"ok","dryRun","removed","keptForPoints"} on stdout (paths relative to the checkout)' },
    ],
    details: "Log: logs/maintenance/cleanup-YYYYMMDD.log",
};

export async function run(flags: ParsedFlags): Promise<number> {
    const ctx = createContext("cleanup", flags);
    const retentionDays = numberFlag(flags, "retention-days", Number(process.env.PA_RETENTION_DAYS ?? 30));
    const plan = planCleanup({
        backups: listEntries(path.join(ctx.projectRoot, "backups"), (_, isDir) => isDir),
        logs: listLogs(path.join(ctx.projectRoot, "logs")),
        points: await listPoints(new GitCli(ctx.projectRoot), productionStack()),
        now: new Date(),
        retentionDays,
        keepPoints: numberFlag(flags, "keep-points", 3),
        projectRoot: ctx.projectRoot,
    });
    for (const kept of plan.keptForPoints) ctx.log.info(`keep ${path.relative(ctx.projectRoot, kept)} (a rollback point needs it)`);
    for (const item of plan.remove) {
        ctx.log.info(`${flags.has("dry-run") ? "would remove" : "remove"} ${path.relative(ctx.projectRoot, item)}`);
        if (!flags.has("dry-run")) fs.rmSync(item, { recursive: true, force: true });
    }
    ctx.log.info(`${plan.remove.length} item(s) older than ${retentionDays} days ${flags.has("dry-run") ? "would be" : ""} removed`);
    if (flags.has("json")) {
        const relative = (items: string[]) => items.map((item) => path.relative(ctx.projectRoot, item));
        ctx.log.result(JSON.stringify({ ok: true, dryRun: flags.has("dry-run"), removed: relative(plan.remove), keptForPoints: relative(plan.keptForPoints) }));
    }
    return EXIT.ok;
}
