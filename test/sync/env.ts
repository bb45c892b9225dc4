// The two Postgres containers the sync tests run against (started by test/sync/run.sh), and helpers
// to reset them, fill production with the generated dataset and run the real sync CLI.
import { spawn, spawnSync } from "child_process";
import * as path from "path";
import { APP_DATABASES, passwordEnvVar, postgresInitScript } from "../../model/databases";
import { DATASETS, DatasetSize, oddPlacesData, schemaSql } from "./dataset";
import { testImage } from "../support/images";

export const PRODUCTION = process.env.PA_SYNCTEST_PRODUCTION ?? "pa-synctest-production";
export const STAGING = process.env.PA_SYNCTEST_STAGING ?? "pa-synctest-staging";
/** Production's pseudonym key (random per run) and the volume holding it, written by test/sync/run.sh. */
export const SYNC_KEY = process.env.PA_SYNCTEST_KEY ?? "";
export const SYNC_KEY_VOLUME = process.env.PA_SYNCTEST_KEY_VOLUME ?? "";
export const REPO = path.resolve(__dirname, "../..");

/** Runs SQL (or a psql script) in a container's database as `user`; throws with stderr on failure. */
export function sql(container: string, database: string, input: string, user = "postgres"): string {
    const result = spawnSync("docker", ["exec", "-i", container, "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-U", user, "-d", database], {
        input,
        encoding: "utf8",
        maxBuffer: 1 << 30,
    });
    if (result.status !== 0) throw new Error(`psql ${container}/${database} failed: ${result.stderr.slice(0, 2000)}`);
    return result.stdout;
}

/** Drops and recreates the app databases and roles exactly as the stack's init script makes them. */
export function resetDatabases(container: string): void {
    const names = APP_DATABASES.map((db) => db.name);
    const existing = sql(container, "postgres", `SELECT datname FROM pg_database WHERE datname ~ '^(${names.join("|")})'`).split("\n").filter(Boolean);
    for (const name of existing) sql(container, "postgres", `DROP DATABASE "${name}" WITH (FORCE);`);
    for (const name of names) sql(container, "postgres", `DROP ROLE IF EXISTS "${name}";`);
    const env = ["-e", "POSTGRES_USER=postgres", ...APP_DATABASES.flatMap((db) => ["-e", `${passwordEnvVar(db)}=pw-${db.name}`])];
    const result = spawnSync("docker", ["exec", "-i", ...env, container, "bash"], { input: postgresInitScript(), encoding: "utf8" });
    if (result.status !== 0) throw new Error(`init script failed: ${result.stderr}`);
}

/** Production with the real schemas, owned by the app roles, and the generated dataset. */
export function fillProduction(size: DatasetSize): void {
    resetDatabases(PRODUCTION);
    for (const db of APP_DATABASES) {
        sql(PRODUCTION, db.name, schemaSql(db.name), db.name === "letta" ? "postgres" : db.name);
        sql(PRODUCTION, db.name, DATASETS[db.name](size));
        sql(PRODUCTION, db.name, oddPlacesData(db.name));
    }
    // Letta's schema is created by the superuser in the fixture; the app owns its tables.
    sql(PRODUCTION, "letta", `DO $$ DECLARE t record; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'letta' LOOP EXECUTE format('ALTER TABLE letta.%I OWNER TO letta', t.tablename); END LOOP; END $$;`);
}

export interface CliRun {
    code: number | null;
    stdout: string;
    stderr: string;
}

export function cliEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
        ...process.env,
        PA_SYNC_PRODUCTION_POSTGRES: PRODUCTION,
        PA_SYNC_STAGING_POSTGRES: STAGING,
        PA_SYNC_KEY_VOLUME: SYNC_KEY_VOLUME,
        // The row sanitizer's Node.js (production's n8n image in a stack).
        PA_SYNC_COPIER_IMAGE: process.env.PA_SYNCTEST_COPIER_IMAGE ?? testImage("n8n"),
        PA_SYNC_LOG_DIR: path.join(REPO, "logs/staging-test"),
        ...overrides,
    };
}

export function startCli(args: string[] = [], overrides: Record<string, string> = {}) {
    return spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(REPO, "sync/cli.ts"), ...args], {
        cwd: REPO,
        env: cliEnv(overrides),
        stdio: ["ignore", "pipe", "pipe"],
    });
}

export function runCli(args: string[] = [], overrides: Record<string, string> = {}): Promise<CliRun> {
    const child = startCli(args, overrides);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

/** Every byte of an app database as pg_dump prints it: schema and rows. */
export function dump(container: string, database: string): string {
    const result = spawnSync("docker", ["exec", container, "pg_dump", "-U", "postgres", "-d", database], { encoding: "utf8", maxBuffer: 1 << 30 });
    if (result.status !== 0) throw new Error(`pg_dump failed: ${result.stderr}`);
    return result.stdout;
}

/** Row count of every table of a database, by `schema.table`. */
export function rowCounts(container: string, database: string): Record<string, number> {
    const tables = sql(container, database, `SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1;`)
        .split("\n").filter(Boolean);
    if (tables.length === 0) return {};
    const counts = sql(container, database, tables.map((t) => `SELECT '${t}', count(*) FROM ${t.split(".").map((p) => `"${p}"`).join(".")}`).join(" UNION ALL ") + ";");
    return Object.fromEntries(counts.split("\n").filter(Boolean).map((line) => {
        const [table, count] = line.split("|");
        return [table, Number(count)];
    }));
}
