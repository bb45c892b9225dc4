// `pa backup`: encrypted restic backups of a stack's data, on the stack's own host (docs/backups.md):
// take one now, list them, prove one by a restore drill, restore one, apply the retention, print the key.
import { CommandSpec, ParsedFlags } from "../../platform/args";
import { UsageError } from "../../platform/errors";
import { applyRetention, copyToOffsite, findBackup, formatBytes, listBackups, offsiteRepository, recordDrill, restoreFromBackup, takeBackup, verifyBackup } from "../backup/backups";
import { createContext, Context } from "../stacks/context";
import { EXIT } from "../../platform/exitCodes";
import { SERVICES, Service } from "../../config/schema";
import { GitCli } from "../release/git";
import { currentUpdate, lastGoodPoint, listPoints } from "../release/rollbackPoints";
import { Target } from "../stacks/target";
import { productionStack } from "./common";
import { withLock } from "./withLock";

const ACTIONS = ["now", "list", "verify", "restore", "forget", "key"] as const;
type Action = (typeof ACTIONS)[number];

export const spec: CommandSpec = {
    name: "backup",
    summary: "Encrypted backups of production's data with restic: now, list, verify (restore drill), restore, forget, key.",
    usage: "pa backup now|list|verify [<backup>]|restore <backup> [--service <list>]|forget|key [--stack <name>] [--json]",
    positionals: ["action", "backup"],
    flags: [
        { name: "stack", value: "name", help: "another stack than production (one with pa:backup)" },
        { name: "service", value: "list", help: "restore: only these services' data, comma-separated (postgres = every database)" },
        { name: "read", value: "percent", help: "verify: share of the repository's data read back (default: pa:backup.verifyReadPercent)" },
        { name: "repository", value: "name", help: "list: an off-site repository's backups (a name from pa:backup.offsite)" },
        { name: "yes", help: "restore: do not stop for confirmation" },
        { name: "json", help: "print a JSON result on stdout (for scripts)" },
        { name: "force-unlock", help: "take the stack's lock even if another run holds it (only when that run is dead)" },
    ],
    details: [
        "now      take a backup: every app database (pg_dump in one snapshot with its row counts), Neo4j's store (frozen",
        "         for the copy, never stopped), the data volumes, then the manifest; then it is copied to each off-site",
        "         repository (pa:backup.offsite) and the retention runs",
        "list     the backups in the repository (or --repository <off-site name>): id, time, reason, rollback point,",
        "         complete or not, size added",
        "verify   restic check (reads part of the data back) and a restore drill into scratch containers: every",
        "         table's rows, Letta's extension and search_path, Neo4j's counts, each volume's files and bytes; each",
        "         off-site repository holds the backup and passes restic check (<backup>: an id, a unique prefix, or",
        "         latest; default latest)",
        "restore  restore <backup> (an id, prefix or latest): a backup of the current data is taken first, the copies",
        "         are restored beside the live data and checked, then swapped in; the live data is never dropped first",
        "forget   apply the retention now (pa:backup keepDaily/keepWeekly/keepMonthly, the newest rollback points)",
        "key      print the repository's password: the only key to the backups; keep it outside the server",
        "",
        "Exit codes: 0 ok, 1 failed (verify: the backup is not proven; now: the backup or an off-site copy failed), 2 usage, 3 locked.",
        "Log: logs/production/backup-YYYYMMDD.log",
    ].join("\n"),
};

export async function run(flags: ParsedFlags): Promise<number> {
    const [action, ref] = flags.positionals ?? [];
    if (!ACTIONS.includes(action as Action)) throw new UsageError(`backup: choose an action: ${ACTIONS.join(", ")} (pa backup --help)`);
    if (action === "restore" && !ref) throw new UsageError("backup restore: name the backup to restore (an id from `pa backup list`, or latest)");
    if (ref && !["verify", "restore"].includes(action)) throw new UsageError(`backup ${action} takes no <backup> argument`);
    if (flags.has("service") && action !== "restore") throw new UsageError("--service is for `pa backup restore`");
    if (flags.has("repository") && action !== "list") throw new UsageError("--repository is for `pa backup list`");
    const json = flags.has("json");
    const ctx = createContext("backup", flags);
    const stack = typeof flags.get("stack") === "string" ? (flags.get("stack") as string) : productionStack();
    const engine = await ctx.ops.openStack(stack);
    const target = await ctx.ops.targetOf(engine);
    if (!target.backup) throw new UsageError(`stack '${stack}' has no backups: set pa:backup in Pulumi.${stack}.yaml and run pulumi up (production has them by default)`);
    const deps = ctx.ops.backupDeps(target);
    const out = (value: unknown, text: string) => ctx.log.result(json ? JSON.stringify(value, null, 2) : text);
    const locked = <T>(what: string, body: () => Promise<T>) => withLock(ctx.projectRoot, stack, `backup ${what}`, flags.has("force-unlock"), ctx.log, body);

    switch (action as Action) {
        case "key":
            if (!json) ctx.log.warn("this password is the ONLY key to the backups: without it they cannot be read. Keep a copy outside the server.");
            // Straight to stdout: the logger would mask it, and a secret never goes into a log file.
            process.stdout.write(json ? `${JSON.stringify({ stack, password: target.backup.password })}\n` : `${target.backup.password}\n`);
            ctx.log.info(`printed the backup key of ${stack}`);
            return EXIT.ok;
        case "list": {
            const name = flags.get("repository");
            const backups = await listBackups(target, deps, typeof name === "string" ? offsiteRepository(target, name) : undefined);
            out(backups, formatList(backups));
            return EXIT.ok;
        }
        case "now":
            return locked("now", async () => {
                const manifest = await takeBackup(target, deps, { reason: "manual", stackUpdate: currentUpdate(await engine.history()) });
                const offsite = await copyToOffsite(target, deps);
                const retention = await applyRetention(target, deps, await pointsToKeep(ctx, target));
                const failed = [...offsite, ...retention.offsite].filter((o) => !o.ok);
                const lines = [`backup ${manifest.id}: ${formatBytes(manifest.bytesAdded)} added in ${manifest.seconds} s`, ...offsite.map((o) => `  off-site ${o.name}: ${o.ok ? "copied" : "FAILED"}: ${o.detail}`)];
                out({ manifest, offsite, retention }, lines.join("\n"));
                if (failed.length) ctx.log.error(`the backup is in the stack's repository, but off-site ${[...new Set(failed.map((o) => o.name))].join(", ")} failed: ${failed.map((o) => o.detail).join("; ")}`);
                return failed.length ? EXIT.failed : EXIT.ok;
            });
        case "forget":
            return locked("forget", async () => {
                const retention = await applyRetention(target, deps, await pointsToKeep(ctx, target));
                if (retention.pointsLosingData.length) ctx.log.warn(`these rollback points lost their backup and can no longer restore data: ${retention.pointsLosingData.join(", ")}`);
                out(retention, `kept ${retention.kept.length}, removed ${retention.removed.length + retention.incompleteRemoved.length}`);
                return EXIT.ok;
            });
        case "verify": {
            const percent = readPercent(flags, target.backup.verifyReadPercent);
            const report = await verifyBackup(target, deps, ref ?? "latest", percent);
            // Recorded in the repository, so `pa health` counts a drill run by hand as the scheduler's.
            await recordDrill(target, deps, report);
            const text = [
                `backup ${report.backup}: ${report.ok ? "PROVEN" : "NOT PROVEN"} in ${report.seconds} s`,
                `  ${report.check.ok ? "ok  " : "FAIL"} restic check, ${report.check.readPercent}% of the data read back: ${report.check.detail}`,
                ...report.drill.map((f) => `  ${f.ok ? "ok  " : "FAIL"} ${f.what}: ${f.detail}`),
            ].join("\n");
            out(report, text);
            return report.ok ? EXIT.ok : EXIT.failed;
        }
        case "restore": {
            const services = serviceList(flags);
            const backup = await findBackup(target, deps, ref!);
            if (!flags.has("yes") && !(await ctx.ops.confirm(`Restore ${services.join(", ")} of ${stack} from backup ${backup.id} (a backup of the current data is taken first)?`))) {
                ctx.log.error("not confirmed (pass --yes to skip the question); nothing changed");
                return EXIT.failed;
            }
            return locked("restore", async () => {
                const before = await takeBackup(target, deps, { reason: "pre-restore" });
                ctx.log.info(`the current data is in backup ${before.id}`);
                const report = await restoreFromBackup(target, deps, backup, services);
                const health = await ctx.ops.waitHealthy(target, 300_000);
                out({ ...report, previousData: before.id, healthy: health.healthy }, `restored ${[...report.databases, ...report.volumes].join(", ")} from ${backup.id}; ${health.healthy ? "healthy" : "NOT healthy"}`);
                return health.healthy ? EXIT.ok : EXIT.failed;
            });
        }
    }
}

/** The rollback points whose backups the retention keeps: the newest keepPoints and the last validated one. */
async function pointsToKeep(ctx: Context, target: Target): Promise<string[]> {
    const points = await listPoints(new GitCli(ctx.projectRoot), target.stack);
    const newest = target.backup?.keepPoints ? points.slice(-target.backup.keepPoints) : [];
    const good = lastGoodPoint(points);
    return [...new Set([...newest, ...(good ? [good] : [])].map((p) => p.tag))];
}

function serviceList(flags: ParsedFlags): Service[] {
    const raw = flags.get("service");
    if (raw === undefined) return [...SERVICES];
    const list = String(raw).split(",").map((s) => s.trim()).filter(Boolean);
    const unknown = list.filter((s) => !(SERVICES as readonly string[]).includes(s));
    if (unknown.length || list.length === 0) throw new UsageError(`--service takes a comma-separated list of ${SERVICES.join(", ")}; unknown: ${unknown.join(", ") || "(empty)"}`);
    return list as Service[];
}

function readPercent(flags: ParsedFlags, fallback: number): number {
    const raw = flags.get("read");
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 100) throw new UsageError(`--read takes a whole percentage from 1 to 100, got '${raw}'`);
    return n;
}

function formatList(backups: Awaited<ReturnType<typeof listBackups>>): string {
    if (backups.length === 0) return "no backups yet (pa backup now)";
    const rows = [["BACKUP", "TIME", "REASON", "POINT", "STATE", "ADDED"]];
    for (const b of backups) rows.push([b.id, b.time.slice(0, 19), b.reason, b.point ?? "-", b.complete ? "complete" : "INCOMPLETE", formatBytes(b.bytesAdded)]);
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}
