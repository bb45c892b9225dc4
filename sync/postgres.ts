// Copies one app database from production into a fresh database next to staging's live one. Raw rows
// never leave the production Postgres process: each table is read through its sanitizing SELECT, and
// every row is checked there before psql prints it; only those rows travel to staging.
import { randomBytes } from "crypto";
import { ChildProcess } from "child_process";
import { AppDatabase, POSTGRES_SUPERUSER } from "../spec/databases";
import { incomingDatabaseName } from "../spec/sync";
import { CATALOG_QUERY, SEQUENCES_QUERY, parseCatalog, qualifiedName, quoteIdent } from "./catalog";
import { CommandError, DockerSide, execIn, runIn } from "./docker";
import { SyncLog } from "./log";
import { LaneTask, assignLanes } from "./lanes";
import { TablePlan, leakCountQuery, planTable } from "./plan";
import { APP_RULES } from "./rules";
import { sessionPrelude } from "./session-sql";
import { CopyStreamRewriter, pipeProcesses } from "./stream";

export interface PostgresSyncContext {
    production: DockerSide;
    staging: DockerSide;
    /** The secret key of the email pseudonyms. */
    key: string;
    sanitize: boolean;
    /** The names lists inside the production container, one per database (sanitize only). */
    namesFiles: string[];
    log: SyncLog;
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
    const sql = snapshot.wrap(`COPY (SELECT DISTINCT n FROM (${sources}) names(n) WHERE n IS NOT NULL) TO STDOUT;`);
    const command = `umask 077 && mkdir -p "$(dirname '${namesFile}')" && ${psql(db.name).join(" ")} > '${namesFile}'`;
    await runIn(ctx.production, ["sh", "-c", command], sql);
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
    log.step(`${db.name}: schema (pre-data)`);
    await pipeProcesses(execIn(ctx.production, pgDump(db.name, snapshot, "pre-data")), execIn(ctx.staging, psql(incoming)));
    if (db.schema !== "public") {
        // Letta's layout, as the init script makes it: its own schema as the database's search_path.
        await runIn(ctx.staging, psql(incoming), `ALTER DATABASE ${quoteIdent(incoming)} SET search_path TO ${quoteIdent(db.schema)};\nDROP SCHEMA IF EXISTS public CASCADE;\n`);
    }

    log.step(`${db.name}: rows (${ctx.sanitize ? "sanitized and scanned on production" : "not sanitized: server profile"})`);
    const { bytes, rowCounts } = await copyRows(ctx, db, snapshot, plans, incoming);

    log.debug(`${db.name}: ${rowCounts.reduce((a, b) => a + b, 0)} rows, ${bytes} bytes copied`);
    const sequences = await runIn(ctx.production, psql(db.name), snapshot.wrap(SEQUENCES_QUERY));
    await runIn(ctx.staging, psql(incoming), sequences);
    log.step(`${db.name}: indexes and constraints (post-data)`);
    await pipeProcesses(execIn(ctx.production, pgDump(db.name, snapshot, "post-data")), execIn(ctx.staging, psql(incoming)));
    log.debug(`${db.name}: post-data done`);
    await verifyIncoming(ctx, db);
    return {
        database: db.name,
        tables: plans.map((p, i) => ({ table: `${p.table.schema}.${p.table.name}`, rows: rowCounts[i] })),
        bytes,
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
): Promise<{ bytes: number; rowCounts: number[] }> {
    const lanes = assignLanes(plans.map((p) => p.table.pages), LANES_PER_DATABASE);
    // Every lane runs to its end even when another fails, so no session is left writing.
    const settled = await Promise.allSettled(lanes.map((tasks) => copyLane(ctx, db, snapshot, plans, incoming, tasks)));
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failure) {
        const err = failure.reason as Error;
        if (settled.some((s) => s.status === "rejected" && s.reason instanceof CommandError && s.reason.stderr.includes("PA_SCAN_HIT"))) {
            throw new LeakFound(await countLeaks(ctx, db, snapshot, plans));
        }
        throw err;
    }
    const rowCounts = plans.map(() => 0);
    let bytes = 0;
    settled.forEach((s, lane) => {
        const result = (s as PromiseFulfilledResult<{ bytes: number; rowCounts: number[] }>).value;
        bytes += result.bytes;
        lanes[lane].forEach((task, i) => (rowCounts[task.table] += result.rowCounts[i]));
    });
    return { bytes, rowCounts };
}

/** One production session streaming its share of the tables into one staging session. */
async function copyLane(
    ctx: PostgresSyncContext,
    db: AppDatabase,
    snapshot: Snapshot,
    plans: TablePlan[],
    incoming: string,
    tasks: LaneTask[],
): Promise<{ bytes: number; rowCounts: number[] }> {
    const marker = `PA-END-OF-TABLE-${randomBytes(16).toString("hex")}`;
    const copies = tasks
        .map(({ table, range }) => `COPY (${range ? plans[table].selectPages(range) : plans[table].select}) TO STDOUT;\n\\echo ${marker}`)
        .join("\n");
    const input = sessionPrelude(ctx.key, ctx.sanitize ? ctx.namesFiles : []) + snapshot.wrap(copies);
    const source = execIn(ctx.production, psql(db.name));
    source.stdin?.on("error", () => undefined);
    source.stdin?.end(input);
    const rewriter = new CopyStreamRewriter(tasks.map(({ table }) => ({ qualifiedName: qualifiedName(plans[table].table), columnList: plans[table].columnList })), marker);
    // Not quiet: psql prints "COPY <n>" per table, which the verification compares with what was sent.
    const sink = execIn(ctx.staging, ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-U", POSTGRES_SUPERUSER, "-d", incoming]);
    const { bytes, sinkOutput } = await pipeProcesses(source, sink, rewriter);
    const loaded = [...sinkOutput.matchAll(/^COPY (\d+)$/gm)].map((m) => Number(m[1]));
    if (loaded.length !== tasks.length || loaded.some((n, i) => n !== rewriter.rowCounts[i])) {
        throw new Error(`${db.name}: staging loaded ${loaded.length} tables whose row counts differ from what production sent`);
    }
    return { bytes, rowCounts: rewriter.rowCounts };
}

/** Counts, on production, the values per column that would leak: numbers only leave the database. */
async function countLeaks(ctx: PostgresSyncContext, db: AppDatabase, snapshot: Snapshot, plans: TablePlan[]): Promise<Leak[]> {
    const scanned = plans.filter((p) => p.scannedColumns.length > 0 && !p.emptied);
    const queries = scanned.map((p) => `${leakCountQuery(p)};`).join("\n");
    const output = await runIn(ctx.production, psql(db.name), sessionPrelude(ctx.key, ctx.namesFiles) + snapshot.wrap(queries));
    const leaks: Leak[] = [];
    output.trim().split("\n").forEach((line, i) => {
        const counts = JSON.parse(line) as number[];
        counts.forEach((count, c) => {
            if (count > 0) leaks.push({ database: db.name, table: `${scanned[i].table.schema}.${scanned[i].table.name}`, column: scanned[i].scannedColumns[c], count });
        });
    });
    return leaks;
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
