// `pa rollback`: list the rollback points, redeploy one (--tag), or go to the last good one fast
// (--emergency: no prompts, no preview, images already on the host).
import * as path from "path";
import { CommandSpec, numberFlag, ParsedFlags } from "../../platform/args";
import { UsageError } from "../../platform/errors";
import { createContext, engineOutput } from "../stacks/context";
import { EXIT } from "../../platform/exitCodes";
import { GitCli } from "../release/git";
import { SERVICES } from "../../config/schema";
import { listBackups } from "../backup/backups";
import { redeployPoint } from "../release/redeploy";
import { describePoints, formatPoints, lastGoodPoint, listPoints } from "../release/rollbackPoints";
import { productionStack } from "./common";
import { withLock } from "./withLock";
import { REPAIR_HELP } from "../stacks/repair";

export const spec: CommandSpec = {
    name: "rollback",
    summary: "List rollback points, or redeploy one: program, config and image versions (and data with --with-data).",
    usage: "pa rollback --list [--json] | --tag <tag> [--with-data] [--yes] | --emergency [--with-data]",
    flags: [
        { name: "list", conflicts: ["tag", "emergency"], help: "show the points: tag, time, versions, matching stack update, backup present" },
        { name: "tag", value: "tag", conflicts: ["emergency"], help: "redeploy this point (the preview is shown first)" },
        { name: "emergency", help: "redeploy the last point whose validation passed, without prompts, as fast as possible" },
        { name: "with-data", help: "also restore the point's backup (databases, Neo4j, data volumes)" },
        { name: "yes", help: "with --tag: do not stop for confirmation after the preview" },
        { name: "timeout", value: "s", help: "seconds production has to become healthy after the rollback (default 300)" },
        { name: "stack", value: "name", help: "another stack than production" },
        { name: "json", help: "JSON on stdout (--list and results)" },
        { name: "force-unlock", help: "take the stack's lock even if another run holds it (only when that run is dead)" },
    ],
    details: `${REPAIR_HELP}\nExit codes: 0 rolled back and healthy, 1 failed/declined, 2 usage, 3 locked.\nLog: logs/production/rollback-YYYYMMDD.log`,
};

export async function run(flags: ParsedFlags): Promise<number> {
    const modes = ["list", "tag", "emergency"].filter((m) => flags.has(m));
    if (modes.length !== 1) throw new UsageError("choose exactly one of --list, --tag <tag>, --emergency");
    const json = flags.has("json");
    const ctx = createContext("rollback", flags);
    const stack = typeof flags.get("stack") === "string" ? (flags.get("stack") as string) : productionStack();
    const points = await listPoints(new GitCli(ctx.projectRoot), stack);

    if (flags.has("list")) {
        const production = await ctx.ops.openStack(stack);
        const history = await production.history();
        const target = history.length > 0 ? await ctx.ops.targetOf(production).catch(() => undefined) : undefined;
        const inRepository = target?.backup ? new Set((await listBackups(target, ctx.ops.backupDeps(target))).filter((b) => b.complete).map((b) => b.id)) : new Set<string>();
        const statuses = describePoints(points, history, ctx.projectRoot, inRepository);
        ctx.log.result(json ? JSON.stringify(statuses.map((s) => ({ tag: s.point.tag, ...s.point.manifest, config: undefined, matchingUpdate: s.update ?? null, backupPresent: s.backupPresent })), null, 2) : formatPoints(statuses));
        return EXIT.ok;
    }

    const emergency = flags.has("emergency");
    const point = emergency ? lastGoodPoint(points) : points.find((p) => p.tag === flags.get("tag"));
    if (!point) {
        ctx.log.error(emergency ? `no validated rollback point for ${stack} (pa rollback --list)` : `no rollback point '${flags.get("tag")}' for ${stack} (pa rollback --list)`);
        return EXIT.failed;
    }
    if (flags.has("with-data") && !point.manifest.backup) throw new UsageError(`${point.tag} has no backup; drop --with-data`);
    ctx.log.info(`${emergency ? "EMERGENCY " : ""}rollback of ${stack} to ${point.tag} (recorded ${point.manifest.createdAt})`);
    // Its engine, from its outputs; a stack too broken to have them is rolled back all the same.
    // Where the stack runs now, and its pinned host key: the point's images are looked for there.
    const current = await ctx.ops.targetOf(await ctx.ops.openStack(stack)).catch(() => undefined);
    const result = await withLock(ctx.projectRoot, stack, emergency ? "rollback --emergency" : `rollback --tag ${point.tag}`, flags.has("force-unlock"), ctx.log, () =>
        redeployPoint(ctx.ops, point, {
            restoreData: flags.has("with-data") ? [...SERVICES] : [],
            healthTimeoutMs: numberFlag(flags, "timeout", 300) * 1000,
            say: (line) => ctx.log.info(line),
            engineOutput: engineOutput(ctx.log),
            dockerHost: current?.dockerHost,
            sshKnownHosts: current?.sshKnownHosts,
            approve: emergency
                ? undefined
                : async (preview) => {
                      ctx.log.info(preview.diff.trim() || "(no diff output)");
                      ctx.log.info(`changes: ${JSON.stringify(preview.changeSummary)}`);
                      return flags.has("yes") || (await ctx.ops.confirm(`Roll ${stack} back to ${point.tag}?`));
                  },
        }),
    );
    const backup = point.manifest.backup ? path.join(ctx.projectRoot, point.manifest.backup) : "none";
    ctx.log.info(`rollback ${result.outcome} in ${result.seconds} s${result.error ? `: ${result.error}` : ""} (backup of the point: ${backup})`);
    if (json) ctx.log.result(JSON.stringify(result, null, 2));
    return result.outcome === "restored" ? EXIT.ok : EXIT.failed;
}
