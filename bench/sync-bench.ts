// Benchmark: a raw pg_dump | pg_restore of production's app databases against our sync without
// sanitizing (server profile) and our full sync (sanitize, scan, verify, swap) of the same data, on
// two throwaway Postgres containers it starts and removes.
// Usage: npm run bench:sync -- [--rows N]   (default 1,000,000 generated rows across the three databases)
import { spawn, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import { benchArgs } from "./args";
import { testImage } from "../test/support/images";

const rows = benchArgs("Usage: npm run bench:sync -- [--rows N]\nTimes a raw pg_dump | pg_restore and the sanitized sync of N generated rows (default 1000000).", "--rows", 1_000_000, 100);
const image = process.env.PA_SYNCTEST_IMAGE ?? testImage("postgres-pgvector");
process.env.PA_SYNCTEST_PRODUCTION = `pa-synctest-bench-production-${process.pid}`;
process.env.PA_SYNCTEST_STAGING = `pa-synctest-bench-staging-${process.pid}`;
// Production's pseudonym key, in a volume as its stack keeps it.
process.env.PA_SYNCTEST_KEY_VOLUME = `pa-synctest-bench-sync-key-${process.pid}`;
process.env.PA_SYNCTEST_KEY = randomBytes(24).toString("hex");
// Read after the container names are set: env.ts takes them at load time.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const env = require("../test/sync/env") as typeof import("../test/sync/env");
const { APP_DATABASES } = require("../model/databases") as typeof import("../model/databases");
const containers = [env.PRODUCTION, env.STAGING];

function docker(...dockerArgs: string[]): void {
    dockerWithInput("", ...dockerArgs);
}

function dockerWithInput(input: string, ...dockerArgs: string[]): void {
    const result = spawnSync("docker", dockerArgs, { encoding: "utf8", input });
    if (result.status !== 0) throw new Error(`docker ${dockerArgs.join(" ")}: ${result.stderr}`);
}

function rawCopy(database: string): Promise<void> {
    // The fast path pg_dump offers over a pipe: custom format into pg_restore, as superuser.
    const target = `raw_${database}`;
    env.sql(env.STAGING, "postgres", `DROP DATABASE IF EXISTS ${target}; CREATE DATABASE ${target} OWNER ${database};`);
    return new Promise((resolve, reject) => {
        const dump = spawn("docker", ["exec", env.PRODUCTION, "pg_dump", "-U", "postgres", "-Fc", "-Z0", "-d", database]);
        const restore = spawn("docker", ["exec", "-i", env.STAGING, "pg_restore", "-U", "postgres", "-d", target]);
        dump.stdout.pipe(restore.stdin);
        let failed = false;
        for (const child of [dump, restore]) child.on("close", (code) => code !== 0 && !failed && ((failed = true), reject(new Error(`raw copy of ${database} failed`))));
        restore.on("close", (code) => code === 0 && resolve());
    });
}

/** CPU seconds the whole machine spent so far (user, nice, system), from /proc/stat: what a run costs, wherever it ran. */
function machineCpuSeconds(): number {
    const [, user, nice, system] = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
    return (user + nice + system) / 100;
}

interface Timed {
    seconds: number;
    cpuSeconds: number;
}

async function timed(work: () => Promise<void>): Promise<Timed> {
    const started = Date.now();
    const cpu = machineCpuSeconds();
    await work();
    return { seconds: (Date.now() - started) / 1000, cpuSeconds: machineCpuSeconds() - cpu };
}

function timedSync(overrides: Record<string, string>): Promise<Timed> {
    env.sql(env.STAGING, "postgres", "CHECKPOINT;");
    return timed(async () => {
        const run = await env.runCli(["--json"], overrides);
        if (run.code !== 0) throw new Error(`sync failed (exit ${run.code}): ${run.stderr}${run.stdout}`);
    });
}

async function main(): Promise<void> {
    dockerWithInput(env.SYNC_KEY, "run", "--rm", "-i", "--label", "pa.test=sync-bench", "-v", `${env.SYNC_KEY_VOLUME}:/key`, "--entrypoint", "sh", image, "-c", "cat > /key/key");
    for (const name of containers) docker("run", "-d", "--name", name, "--label", "pa.test=sync-bench", "-e", "POSTGRES_PASSWORD=bench", image);
    for (const name of containers) {
        for (let i = 0; i < 60 && spawnSync("docker", ["exec", name, "pg_isready", "-h", "localhost", "-U", "postgres", "-q"]).status !== 0; i++) {
            spawnSync("sleep", ["1"]);
        }
    }
    process.stdout.write(`generating ${rows} rows...\n`);
    env.fillProduction({ rows });
    env.resetDatabases(env.STAGING);
    const total = APP_DATABASES.reduce((n, db) => n + Object.values(env.rowCounts(env.PRODUCTION, db.name)).reduce((a, b) => a + b, 0), 0);
    env.sql(env.PRODUCTION, "postgres", "CHECKPOINT;");

    const raw = await timed(async () => void (await Promise.all(APP_DATABASES.map((db) => rawCopy(db.name)))));
    for (const db of APP_DATABASES) env.sql(env.STAGING, "postgres", `DROP DATABASE raw_${db.name};`);

    // The server profile (copy, verify, swap; no sanitizing) tells the pipeline's cost from the sanitizer's.
    const copy = await timedSync({ PA_SYNC_SANITIZE: "false" });
    const sync = await timedSync({});

    const rate = (seconds: number) => total / seconds;
    const line = (label: string, run: Timed) =>
        `${label}: ${run.seconds.toFixed(1)} s, ${Math.round(rate(run.seconds))} rows/s, ${run.cpuSeconds.toFixed(1)} CPU-s on ${os.cpus().length} cores`;
    process.stdout.write(
        [
            `rows: ${total} (3 databases, copied side by side in every run)`,
            line("raw pg_dump -Fc | pg_restore", raw),
            line("sync, server profile (copy + verify + swap)", copy),
            line("sync, laptop profile (sanitize + scan + verify + swap)", sync),
            `ratio server-profile sync/raw: ${(rate(copy.seconds) / rate(raw.seconds)).toFixed(2)}`,
            `ratio sanitized sync/raw: ${(rate(sync.seconds) / rate(raw.seconds)).toFixed(2)} (bar: >= 0.80)`,
        ].join("\n") + "\n",
    );
}

main()
    .catch((err) => {
        process.stderr.write(`${(err as Error).message}\n`);
        process.exitCode = 1;
    })
    .finally(() => {
        for (const name of containers) spawnSync("docker", ["rm", "-f", name]);
        spawnSync("docker", ["volume", "rm", "-f", env.SYNC_KEY_VOLUME]);
    });
