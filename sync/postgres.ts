// Copies one app database from production into a fresh database next to staging's live one. Raw rows
// never leave production's host: when sanitizing, each lane's rows are read by the row sanitizer in a
// sidecar there (sync/row-sanitizer.ts), which sanitizes and checks every row before printing it; only
// those rows travel to staging. Without sanitizing (server profile), psql reads them.
import { randomBytes } from "crypto";
import { ChildProcess } from "child_process";
import { AppDatabase, POSTGRES_SUPERUSER } from "../model/databases";
import { incomingDatabaseName, syncKeyMountArgs } from "../model/sync";
import { CATALOG_QUERY, SCHEMA_TEXT_QUERY, SEQUENCES_QUERY, parseCatalog, qualifiedName, quoteIdent } from "./catalog";
import { CommandError, DockerSide, docker, dockerProcess, execIn, runIn } from "./docker";
import { Logger } from "../platform/log";
import { EXIT } from "../platform/exitCodes";
import { LaneTask, assignLanes } from "./lanes";
import { TablePlan, planTable } from "./plan";
import { RowReport, RowSettings } from "./row-sanitizer";
import { APP_RULES } from "./rules";
import { sidecarProgram, sidecarReport } from "./sidecars/program";
import { TextSettings } from "./text";
import { CopyStreamRewriter, pipeProcesses } from "./stream";

export interface PostgresSyncContext {
    production: DockerSide;
    staging: DockerSide;
    sanitize: boolean;
    /** The names lists inside the production container, one per database (sanitize only). */
    namesFiles: string[];
    /** The row sanitizer's image (Node.js) on production's host, and its text settings (sanitize only). */
    rowSanitizer?: { image: string; text: TextSettings };
    /** Labels of this run's sidecars, so an interrupted run's are found and removed. */
    labels: string[];
    log: Logger;
}

export interface TableResult {
    table: string;
    rows: number;
}

export interface DatabaseResult {
    database: string;
    tables: TableResult[];
    /** Bytes of sanitized COPY data that travelled to staging. */
    bytes: number;
    /** Values the row sanitizer replaced inside free text, per finding (email, phone, name, ...). */
    replaced: Record<string, number>;
    seconds: number;
}

export interface Leak {
    database: string;
    table: string;
    column: string;
    count: number;
}

/** The scan found personal data after sanitizing: the sync stops, naming where and how much, never what. */
export class LeakFound extends Error {
    constructor(readonly leaks: Leak[]) {
        super(
            "personal data left after sanitizing (the rules in sync/rules.ts do not cover these columns):\n" +
                leaks.map((l) => `  ${l.database}: ${l.table}.${l.column}: ${l.count} value(s)`).join("\n"),
        );
        this.name = "LeakFound";
    }
}

export function psql(database: string): string[] {
    return ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-U", POSTGRES_SUPERUSER, "-d", database];
}

/** A production transaction whose snapshot every read of one database shares, so the copy is consistent. */
export class Snapshot {
    private constructor(private readonly holder: ChildProcess, readonly id: string) {}

    static open(side: DockerSide, database: string): Promise<Snapshot> {
        const holder = execIn(side, psql(database));
        return new Promise((resolve, reject) => {
            let out = "";
            let err = "";
            holder.stderr?.on("data", (c: Buffer) => (err += c.toString()));
            holder.on("close", (code) => reject(new CommandError("snapshot holder", code, err)));
            holder.stdout?.on("data", (c: Buffer) => {
                out += c.toString();
                const line = out.split("\n")[0];
                if (out.includes("\n")) resolve(new Snapshot(holder, line.trim()));
            });
            holder.stdin?.write("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;\nSELECT pg_export_snapshot();\n");
        });
    }

    /** SQL run inside a transaction that sees exactly this snapshot. */
    wrap(sql: string): string {
        return `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;\nSET TRANSACTION SNAPSHOT '${this.id}';\n${sql}\nCOMMIT;\n`;
    }

    close(): void {
        this.holder.removeAllListeners("close");
        this.holder.stdin?.end("COMMIT;\n");
    }
}

/** Writes the person names of one database to a names file inside the production container. */
export async function collectNames(ctx: PostgresSyncContext, db: AppDatabase, snapshot: Snapshot, namesFile: string): Promise<void> {
    const sources = APP_RULES[db.app].nameSources.map((s, i) => `SELECT * FROM (${s}) s${i}`).join(" UNION ALL ");
    const sql = snapshot.wrap(`COPY (SELECT DISTINCT n FROM (${sources}) names(n) WHERE n IS NOT NULL) TO '${namesFile}';`);
    await runIn(ctx.production, psql(db.name), sql);
}

/**
 * Builds `<db>__pa_incoming` on staging from production's `db`: schema, sanitized and checked rows,
 * sequence positions, then indexes and constraints (which re-check uniqueness and foreign keys).
 * Throws LeakFound if any row fails the check; the caller drops the incoming database.
 */
export async function copyDatabase(ctx: PostgresSyncContext, db: AppDatabase, snapshot: Snapshot): Promise<DatabaseResult> {
    const started = Date.now();
    const incoming = incomingDatabaseName(db.name);
    const { log } = ctx;
    const tables = parseCatalog(await runIn(ctx.production, psql(db.name), snapshot.wrap(CATALOG_QUERY)));
    const plans = tables.map((table) => planTable(table, { app: db.app, sanitize: ctx.sanitize }));
    log.debug(`${db.name}: ${plans.length} tables; rules applied: ${plans.reduce((n, p) => n + Object.keys(p.appliedRules).length, 0)} columns`);

    await runIn(ctx.staging, psql("postgres"), `DROP DATABASE IF EXISTS ${quoteIdent(incoming)} WITH (FORCE);\nCREATE DATABASE ${quoteIdent(incoming)} OWNER ${quoteIdent(db.name)};\n`);
    log.info(`${db.name}: schema (pre-data)`);
    await pipeProcesses(execIn(ctx.production, pgDump(db.name, snapshot, "pre-data")), execIn(ctx.staging, psql(incoming)));
    if (db.schema !== "public") {
        // Letta's layout, as the init script makes it: its own schema as the database's search_path.
        await runIn(ctx.staging, psql(incoming), `ALTER DATABASE ${quoteIdent(incoming)} SET search_path TO ${quoteIdent(db.schema)};\nDROP SCHEMA IF EXISTS public CASCADE;\n`);
    }

    log.info(`${db.name}: rows (${ctx.sanitize ? "sanitized and scanned on production's host" : "not sanitized: server profile"})`);
    const { bytes, rowCounts, replaced } = await copyRows(ctx, db, snapshot, plans, incoming);

    log.debug(`${db.name}: ${rowCounts.reduce((a, b) => a + b, 0)} rows, ${bytes} bytes copied`);
    const sequences = await runIn(ctx.production, psql(db.name), snapshot.wrap(SEQUENCES_QUERY));
    await runIn(ctx.staging, psql(incoming), sequences);
    log.info(`${db.name}: indexes and constraints (post-data)`);
    await pipeProcesses(execIn(ctx.production, pgDump(db.name, snapshot, "post-data")), execIn(ctx.staging, psql(incoming)));
    log.debug(`${db.name}: post-data done`);
    await verifyIncoming(ctx, db);
    return {
        database: db.name,
        tables: plans.map((p, i) => ({ table: `${p.table.schema}.${p.table.name}`, rows: rowCounts[i] })),
        bytes,
        replaced,
        seconds: (Date.now() - started) / 1000,
    };
}

function pgDump(database: string, snapshot: Snapshot, section: "pre-data" | "post-data"): string[] {
    return ["pg_dump", "-U", POSTGRES_SUPERUSER, "-d", database, `--snapshot=${snapshot.id}`, `--section=${section}`, "--no-publications", "--no-subscriptions"];
}

/** Parallel copy sessions per database: enough to keep two cores busy when one database has all the rows. */
export const LANES_PER_DATABASE = 2;

async function copyRows(
    ctx: PostgresSyncContext,
    db: AppDatabase,
    snapshot: Snapshot,
    plans: TablePlan[],
    incoming: string,
): Promise<LaneResult> {
    const lanes = assignLanes(plans.map((p) => p.table.pages), LANES_PER_DATABASE);
    // Every lane runs to its end even when another fails, so no session is left writing.
    const settled = await Promise.allSettled(lanes.map((tasks, lane) => copyLane(ctx, db, snapshot, plans, incoming, tasks, lane)));
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failure) {
        const reports = settled.map((s) => (s.status === "rejected" ? leakReport(s.reason) : undefined));
        const other = settled.find((s, i): s is PromiseRejectedResult => s.status === "rejected" && !reports[i]);
        if (other) throw other.reason;
        // Every failed lane found leaks (and counted them through its tables): report them together.
        const counts = new Map<string, Leak>();
        for (const leak of reports.flatMap((r) => r ?? [])) {
            const key = `${leak.table}.${leak.column}`;
            counts.set(key, { database: db.name, table: leak.table, column: leak.column, count: (counts.get(key)?.count ?? 0) + leak.count });
        }
        throw new LeakFound([...counts.values()]);
    }
    const rowCounts = plans.map(() => 0);
    const replaced: Record<string, number> = {};
    let bytes = 0;
    settled.forEach((s, lane) => {
        const result = (s as PromiseFulfilledResult<LaneResult>).value;
        bytes += result.bytes;
        lanes[lane].forEach((task, i) => (rowCounts[task.table] += result.rowCounts[i]));
        for (const [finding, n] of Object.entries(result.replaced)) replaced[finding] = (replaced[finding] ?? 0) + n;
    });
    return { bytes, rowCounts, replaced };
}

/** The leaks a row sanitizer reported as its last stderr line when it exited with EXIT.personalData. */
function leakReport(err: unknown): { table: string; column: string; count: number }[] | undefined {
    if (!(err instanceof CommandError) || err.code !== EXIT.personalData) return undefined;
    const report = sidecarReport(err.stderr) as Partial<RowReport> | undefined;
    return report?.leaks && report.leaks.length > 0 ? report.leaks : undefined;
}

/** The program the row sanitizer sidecar runs (sync/sidecars/rows.ts), as JavaScript source. */
export function rowSanitizerProgram(rows: RowSettings, text: TextSettings): string {
    return sidecarProgram("rows", { rows, text });
}

/** One production session (psql, or the row sanitizer when sanitizing) streaming its share of the tables into one staging session. */
async function copyLane(
    ctx: PostgresSyncContext,
    db: AppDatabase,
    snapshot: Snapshot,
    plans: TablePlan[],
    incoming: string,
    tasks: LaneTask[],
    lane: number,
): Promise<LaneResult> {
    const marker = `PA-END-OF-TABLE-${randomBytes(16).toString("hex")}`;
    const select = ({ table, range }: LaneTask) => (range ? plans[table].selectPages(range) : plans[table].select);
    let source: ChildProcess;
    let sidecar: string | undefined;
    if (ctx.rowSanitizer) {
        // Shares the network namespace of production's Postgres container, to reach it on 127.0.0.1.
        sidecar = `pa-sync-rows-${db.name}-${lane}-${randomBytes(4).toString("hex")}`;
        source = dockerProcess(ctx.production, [
            "run", "--rm", "-i", "--name", sidecar, ...ctx.labels, ...syncKeyMountArgs(ctx.rowSanitizer.text.keyVolume), "--log-driver", "none",
            "--network", `container:${ctx.production.container}`, "--entrypoint", "node", ctx.rowSanitizer.image, "-",
        ]);
        const settings: RowSettings = {
            database: db.name,
            snapshot: snapshot.id,
            marker,
            namesFiles: ctx.namesFiles,
            schemaTextQuery: lane === 0 ? SCHEMA_TEXT_QUERY : undefined,
            tasks: tasks.map((task) => ({ table: `${plans[task.table].table.schema}.${plans[task.table].table.name}`, select: select(task), columns: plans[task.table].rowColumns })),
        };
        source.stdin?.on("error", () => undefined);
        source.stdin?.end(rowSanitizerProgram(settings, ctx.rowSanitizer.text));
    } else {
        const copies = tasks.map((task) => `COPY (${select(task)}) TO STDOUT;\n\\echo ${marker}`).join("\n");
        source = execIn(ctx.production, psql(db.name));
        source.stdin?.on("error", () => undefined);
        source.stdin?.end(snapshot.wrap(copies));
    }
    const rewriter = new CopyStreamRewriter(tasks.map(({ table }) => ({ qualifiedName: qualifiedName(plans[table].table), columnList: plans[table].columnList })), marker);
    // Not quiet: psql prints "COPY <n>" per table, which the verification compares with what was sent.
    const sink = execIn(ctx.staging, ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-U", POSTGRES_SUPERUSER, "-d", incoming]);
    const { bytes, sinkOutput, sourceStderr } = await pipeProcesses(source, sink, rewriter).catch(async (error) => {
        // A failed lane kills the docker client, not the container: it must not go on reading production.
        if (sidecar) await docker({ host: ctx.production.host, container: "" }, ["rm", "-f", sidecar]).catch(() => undefined);
        throw error;
    });
    const loaded = [...sinkOutput.matchAll(/^COPY (\d+)$/gm)].map((m) => Number(m[1]));
    if (loaded.length !== tasks.length || loaded.some((n, i) => n !== rewriter.rowCounts[i])) {
        throw new Error(`${db.name}: staging loaded ${loaded.length} tables whose row counts differ from what production sent`);
    }
    // The row sanitizer's report (its last stderr line) says how much it replaced.
    const report = sidecar ? ((sidecarReport(sourceStderr) ?? {}) as Partial<RowReport>) : {};
    return { bytes, rowCounts: rewriter.rowCounts, replaced: report.replaced ?? {} };
}

interface LaneResult {
    bytes: number;
    rowCounts: number[];
    /** Values replaced by the row sanitizer, per finding (sanitizing only). */
    replaced: Record<string, number>;
}

/** Letta's extension and search_path survived the copy (row counts were checked against psql's COPY tags). */
async function verifyIncoming(ctx: PostgresSyncContext, db: AppDatabase): Promise<void> {
    if (!db.needsVector && db.schema === "public") return;
    const incoming = incomingDatabaseName(db.name);
    const query = `SELECT coalesce((SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'vector'), '') || '|' ||
        coalesce((SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting
                  WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) AND setrole = 0), '');`;
    const [extensionSchema, settings] = (await runIn(ctx.staging, psql(incoming), query)).trim().split("|");
    if ((db.needsVector && extensionSchema !== db.schema) || (db.schema !== "public" && !settings.includes(`search_path=${db.schema}`))) {
        throw new Error(`${db.name}: the copy lost the vector extension in schema ${db.schema} or its search_path (found '${extensionSchema}', '${settings}')`);
    }
}
