// One sync, start to end: clean leftovers, copy every app database into an incoming copy (sanitized
// and scanned on production), and only when all of them are verified swap them in together.
import { randomBytes } from "crypto";
import { AppService } from "../config/schema";
import { APP_DATABASES, AppDatabase } from "../spec/databases";
import { PRODUCTION_SCRATCH_PREFIX, incomingDatabaseName, productionScratchDir } from "../spec/sync";
import { quoteIdent } from "./catalog";
import { DockerSide, runIn } from "./docker";
import { SyncLog } from "./log";
import { DatabaseResult, LeakFound, PostgresSyncContext, Snapshot, collectNames, copyDatabase, psql } from "./postgres";
import { dropLeftovers, startAgain, stopRunning, swapIn } from "./swap";

export interface SyncOptions {
    production: DockerSide;
    staging: DockerSide;
    /** Staging app containers, stopped for the swap and started again after it. */
    stagingApps: string[];
    key: string;
    sanitize: boolean;
    /** Which app databases to copy; all by default. */
    apps?: AppService[];
}

export interface SyncSummary {
    sanitized: boolean;
    databases: DatabaseResult[];
    rows: number;
    bytes: number;
    seconds: number;
}

/** Work to undo if the process is interrupted; the CLI runs it on SIGINT/SIGTERM. */
export const pendingCleanups = new Set<() => Promise<void>>();

export async function runSync(options: SyncOptions, log: SyncLog): Promise<SyncSummary> {
    const started = Date.now();
    const databases = APP_DATABASES.filter((db) => !options.apps || options.apps.includes(db.app));
    const runId = `${new Date().toISOString().replace(/[-:T.Z]/g, "").slice(0, 14)}-${randomBytes(4).toString("hex")}`;
    const scratchDir = productionScratchDir(runId);

    log.step(`preflight: leftovers of interrupted syncs`);
    const dropped = await dropLeftovers(options.staging, databases);
    if (dropped.length > 0) log.step(`dropped leftovers on staging: ${dropped.join(", ")}`);
    // Names lists of runs that died without cleaning up (SIGKILL); a running sync's list is younger.
    await runIn(options.production, ["sh", "-c", `find /tmp -maxdepth 1 -name '${PRODUCTION_SCRATCH_PREFIX.slice(5)}*' -mmin +360 -exec rm -rf {} +`]);

    const ctx: PostgresSyncContext = {
        production: options.production,
        staging: options.staging,
        key: options.key,
        sanitize: options.sanitize,
        namesFile: options.sanitize ? `${scratchDir}/names` : undefined,
        log,
    };
    const cleanup = async () => {
        await runIn(options.production, ["rm", "-rf", scratchDir]).catch(() => undefined);
        for (const db of databases) {
            await runIn(options.staging, psql("postgres"), `DROP DATABASE IF EXISTS ${quoteIdent(incomingDatabaseName(db.name))} WITH (FORCE);\n`).catch(() => undefined);
        }
    };
    pendingCleanups.add(cleanup);
    const snapshots: Snapshot[] = [];
    let results: DatabaseResult[];
    try {
        for (const db of databases) snapshots.push(await Snapshot.open(options.production, db.name));
        if (options.sanitize) {
            log.step(`collecting person names on production (they stay there, in ${scratchDir})`);
            for (const [i, db] of databases.entries()) await collectNames(ctx, db, snapshots[i], ctx.namesFile!);
        }
        results = await copyAll(ctx, databases, snapshots);
    } catch (err) {
        await cleanup();
        throw err;
    } finally {
        for (const snapshot of snapshots) snapshot.close();
        await runIn(options.production, ["rm", "-rf", scratchDir]).catch(() => undefined);
    }

    log.step(`swap: all ${databases.length} databases at once`);
    const stopped = await stopRunning({ host: options.staging.host }, options.stagingApps);
    log.debug(`stopped for the swap: ${stopped.join(", ") || "none running"}`);
    try {
        await swapIn(options.staging, databases, log);
    } finally {
        pendingCleanups.delete(cleanup);
        await startAgain({ host: options.staging.host }, stopped);
    }
    const rows = results.reduce((n, r) => n + r.tables.reduce((m, t) => m + t.rows, 0), 0);
    const bytes = results.reduce((n, r) => n + r.bytes, 0);
    return { sanitized: options.sanitize, databases: results, rows, bytes, seconds: (Date.now() - started) / 1000 };
}

/** Copies the databases side by side; waits for all of them even when one fails, so none is left running. */
async function copyAll(ctx: PostgresSyncContext, databases: AppDatabase[], snapshots: Snapshot[]): Promise<DatabaseResult[]> {
    const settled = await Promise.allSettled(databases.map((db, i) => copyDatabase(ctx, db, snapshots[i])));
    const failures = settled.filter((s): s is PromiseRejectedResult => s.status === "rejected").map((s) => s.reason);
    // Leaks in several databases are reported together; any other failure comes first.
    const other = failures.find((f) => !(f instanceof LeakFound));
    if (other) throw other;
    if (failures.length > 0) throw new LeakFound(failures.flatMap((f: LeakFound) => f.leaks));
    return settled.map((s) => (s as PromiseFulfilledResult<DatabaseResult>).value);
}
