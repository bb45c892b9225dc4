// One sync, start to end: clean leftovers, copy every app database into an incoming copy (sanitized
// and scanned on production), and only when all of them are verified swap them in together.
import { randomBytes } from "crypto";
import { AppService } from "../config/schema";
import { APP_DATABASES, AppDatabase } from "../model/databases";
import { PRODUCTION_SCRATCH_PREFIX, incomingDatabaseName, productionNamesFile, productionScratchGlob } from "../model/sync";
import { quoteIdent } from "./catalog";
import { DockerSide, runIn, scratchLabels } from "./docker";
import { Logger } from "../platform/log";
import { DatabaseResult, LeakFound, PostgresSyncContext, Snapshot, collectNames, copyDatabase, psql } from "./postgres";
import { Neo4jResult, PreparedGraph, dropIncomingGraph, prepareGraph, removeScratch, thawIfFrozen } from "./neo4j";
import { TextSettings, textSettings } from "./text";
import { hashNamesOnProduction } from "./names";
import { dropLeftovers, startAgain, stopRunning, swapIn } from "./swap";
import { FileVolumes, FilesResult, PreparedFiles, prepareFiles } from "./files";
import { PreparedPart } from "./part";

/** Production's and staging's Neo4j, and an image with Node.js on production's host for the copier. */
export interface GraphSides {
    production: DockerSide;
    staging: DockerSide;
    copierImage: string;
    /** The longest production's Neo4j stays frozen: a watchdog on its host thaws it then. */
    freezeMaxSeconds: number;
}

/** The apps' data volumes on both sides, and the images to work on them with. */
export interface FilesSides {
    volumes: FileVolumes[];
    /** An image with Node.js on production's host, for the archiver. */
    archiverImage: string;
    /** An image with sh and tar on staging's host (default: the image of a container using each staging volume). */
    stagingImage?: string;
}

export interface SyncOptions {
    /** Production's and staging's Postgres (production's is also where names are hashed for the graph). */
    production: DockerSide;
    staging: DockerSide;
    /** Copy the app databases. */
    postgres: boolean;
    /** An image with Node.js on production's host, for the row sanitizer (required to sanitize the databases). */
    rowSanitizerImage?: string;
    /** Copy the graph too. */
    graph?: GraphSides;
    /** Copy the apps' files too. */
    files?: FilesSides;
    /** Staging's stack, whose running app containers are stopped for the swap and started again after it. */
    stagingStack?: string;
    /** How long to wait for those apps to be healthy again before the sync reports them as not. */
    appsWaitSeconds: number;
    /** The volume on production's host holding the pseudonym key (sanitizing only); only sidecars there read it. */
    keyVolume?: string;
    sanitize: boolean;
    /** Regions whose national phone formats are recognised (sync/pii/phones.ts). */
    phoneRegions: readonly string[];
    /** Which app databases to copy; all by default. */
    apps?: AppService[];
}

export interface SyncSummary {
    sanitized: boolean;
    databases: DatabaseResult[];
    graph?: Neo4jResult;
    files?: FilesResult;
    /** The staging apps stopped for the swap and started again, and those not healthy in time. */
    apps: { restarted: string[]; notHealthy: string[] };
    rows: number;
    bytes: number;
    seconds: number;
}

function graphPart(graph: PreparedGraph): PreparedPart {
    return { name: "the graph", swapIn: () => graph.swapIn(), revert: () => graph.revert(), finish: () => graph.finish(), discard: () => graph.finish() };
}

function databasesPart(staging: DockerSide, postgres: PreparedPostgres, log: Logger): PreparedPart {
    const none = async () => undefined;
    return {
        name: `all ${postgres.databases.length} databases`,
        swapIn: () => swapIn(staging, postgres.databases, log),
        // One transaction: nothing to revert (it either committed or did nothing), and it goes last.
        revert: none,
        // The previous databases are dropped by the swap itself.
        finish: none,
        discard: postgres.cleanup,
    };
}

/** Reverts the parts in reverse order, each whatever the others do. */
async function revertAll(parts: PreparedPart[]): Promise<void> {
    for (const part of [...parts].reverse()) await part.revert().catch(() => undefined);
}

/** Work to undo if the process is interrupted; the CLI runs it on SIGINT/SIGTERM. */
export const pendingCleanups = new Set<() => Promise<void>>();

export async function runSync(options: SyncOptions, log: Logger): Promise<SyncSummary> {
    const started = Date.now();
    const runId = `${new Date().toISOString().replace(/[-:T.Z]/g, "").slice(0, 14)}-${randomBytes(4).toString("hex")}`;
    const postgres = options.postgres ? await preparePostgres(options, runId, log) : undefined;
    let graph: PreparedGraph | undefined;
    const graphCleanup = async () => {
        if (!options.graph) return;
        await thawIfFrozen(options.graph.production).catch(() => undefined);
        await removeScratch(options.graph.production, runId).catch(() => undefined);
        await dropIncomingGraph(options.graph.staging).catch(() => undefined);
    };
    pendingCleanups.add(graphCleanup);
    let files: PreparedFiles | undefined;
    try {
        // The graph and file sidecars find names by their hashes, taken once for both.
        const helperImage = options.graph?.copierImage ?? options.files?.archiverImage;
        let text: TextSettings | undefined;
        if (options.sanitize && helperImage) {
            log.info("hashing person names on production (they stay in its Postgres)");
            const keyVolume = requiredKeyVolume(options);
            text = textSettings(keyVolume, await hashNamesOnProduction(options.production, helperImage, keyVolume, scratchLabels(runId)), options.phoneRegions);
        }
        if (options.graph) {
            if (await thawIfFrozen(options.graph.production)) log.info("neo4j: production's Neo4j was left frozen by an interrupted sync; thawed it");
            graph = await prepareGraph({ ...options.graph, text }, runId, log);
        }
        if (options.files) {
            files = await prepareFiles(
                { ...options.files, production: { host: options.production.host }, staging: { host: options.staging.host }, text },
                runId,
                log,
                pendingCleanups,
            );
        }
    } catch (err) {
        await graph?.finish().catch(() => undefined);
        await postgres?.cleanup();
        throw err;
    } finally {
        pendingCleanups.delete(graphCleanup);
    }

    // Swap order: the graph first (its swap can be reverted), then the files (renames, reverted as easily),
    // and the databases last (their one transaction cannot be undone).
    const parts: PreparedPart[] = [graph && graphPart(graph), files, postgres && databasesPart(options.staging, postgres, log)].filter((p): p is PreparedPart => p !== undefined);
    log.info(`swap: ${parts.map((p) => p.name).join(", ")} at once`);
    const stopped = options.stagingStack ? await stopRunning({ host: options.staging.host }, options.stagingStack) : [];
    let notHealthy: string[] = [];
    log.debug(`stopped for the swap: ${stopped.join(", ") || "none running"}`);
    // Interrupted inside the swap: every part goes back and the apps start again.
    const swapCleanup = async () => {
        await revertAll(parts);
        await startAgain({ host: options.staging.host }, stopped, 0).catch(() => undefined);
    };
    pendingCleanups.add(swapCleanup);
    try {
        const begun: PreparedPart[] = [];
        try {
            for (const part of parts) {
                // A part whose swap fails half-way reverts itself too.
                begun.push(part);
                await part.swapIn();
            }
        } catch (err) {
            await revertAll(begun);
            for (const part of parts) await part.discard().catch(() => undefined);
            throw err;
        }
    } finally {
        pendingCleanups.delete(swapCleanup);
        for (const part of parts) pendingCleanups.delete(part.discard);
        if (stopped.length > 0) log.info(`starting the apps again and waiting until they are healthy (up to ${options.appsWaitSeconds} s): ${stopped.join(", ")}`);
        const waitStarted = Date.now();
        notHealthy = await startAgain({ host: options.staging.host }, stopped, options.appsWaitSeconds);
        // The data is in either way; an app that does not come back is staging's problem to look at, named here.
        if (stopped.length > 0 && notHealthy.length === 0) log.info(`apps healthy again after ${((Date.now() - waitStarted) / 1000).toFixed(1)} s`);
        if (notHealthy.length > 0) log.error(`not healthy ${options.appsWaitSeconds} s after the swap: ${notHealthy.join(", ")} (see docker logs <name>; scripts/health-check.sh --staging)`);
    }
    for (const part of parts) await part.finish();
    const results = postgres?.results ?? [];
    const rows = results.reduce((n, r) => n + r.tables.reduce((m, t) => m + t.rows, 0), 0);
    const bytes = results.reduce((n, r) => n + r.bytes, 0) + (graph?.result.bytes ?? 0) + (files?.result.bytes ?? 0);
    return {
        sanitized: options.sanitize,
        databases: results,
        graph: graph?.result,
        files: files?.result,
        apps: { restarted: stopped, notHealthy },
        rows,
        bytes,
        seconds: (Date.now() - started) / 1000,
    };
}

function rowSanitizerImage(options: SyncOptions): string {
    if (!options.rowSanitizerImage) throw new Error("sanitizing the databases needs an image with Node.js on production's host (rowSanitizerImage)");
    return options.rowSanitizerImage;
}

interface PreparedPostgres {
    databases: AppDatabase[];
    results: DatabaseResult[];
    /** Drops the incoming databases (and the names lists on production). */
    cleanup: () => Promise<void>;
}

/** Copies every app database into an incoming copy next to the live one; registers its cleanup until the swap. */
async function preparePostgres(options: SyncOptions, runId: string, log: Logger): Promise<PreparedPostgres> {
    const databases = APP_DATABASES.filter((db) => !options.apps || options.apps.includes(db.app));
    const removeNames = () => runIn(options.production, ["sh", "-c", `rm -f ${productionScratchGlob(runId)}`]).catch(() => undefined);

    log.info(`preflight: leftovers of interrupted syncs`);
    const dropped = await dropLeftovers(options.staging, databases);
    if (dropped.length > 0) log.info(`dropped leftovers on staging: ${dropped.join(", ")}`);
    // Names lists of runs that died without cleaning up (SIGKILL); a running sync's list is younger.
    await runIn(options.production, ["sh", "-c", `find /tmp -maxdepth 1 -name '${PRODUCTION_SCRATCH_PREFIX.slice(5)}*' -mmin +360 -exec rm -rf {} +`]);

    const ctx: PostgresSyncContext = {
        production: options.production,
        staging: options.staging,
        sanitize: options.sanitize,
        namesFiles: options.sanitize ? databases.map((db) => productionNamesFile(runId, db.name)) : [],
        rowSanitizer: options.sanitize ? { image: rowSanitizerImage(options), text: textSettings(requiredKeyVolume(options), undefined, options.phoneRegions) } : undefined,
        labels: scratchLabels(runId),
        log,
    };
    const cleanup = async () => {
        await removeNames();
        for (const db of databases) {
            await runIn(options.staging, psql("postgres"), `DROP DATABASE IF EXISTS ${quoteIdent(incomingDatabaseName(db.name))} WITH (FORCE);\n`).catch(() => undefined);
        }
    };
    pendingCleanups.add(cleanup);
    const snapshots: Snapshot[] = [];
    let results: DatabaseResult[];
    try {
        const opened = await Promise.allSettled(databases.map((db) => Snapshot.open(options.production, db.name)));
        for (const result of opened) if (result.status === "fulfilled") snapshots.push(result.value);
        const failed = opened.find((r): r is PromiseRejectedResult => r.status === "rejected");
        if (failed) throw failed.reason;
        if (options.sanitize) {
            log.info(`collecting person names on production (they stay there, in ${productionScratchGlob(runId)})`);
            await Promise.all(databases.map((db, i) => collectNames(ctx, db, snapshots[i], ctx.namesFiles[i])));
        }
        results = await copyAll(ctx, databases, snapshots);
    } catch (err) {
        await cleanup();
        pendingCleanups.delete(cleanup);
        throw err;
    } finally {
        for (const snapshot of snapshots) snapshot.close();
        await removeNames();
    }
    return { databases, results, cleanup };
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

function requiredKeyVolume(options: SyncOptions): string {
    if (!options.keyVolume) throw new Error("sanitizing needs the key volume of production's stack");
    return options.keyVolume;
}
