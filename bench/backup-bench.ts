// Benchmark: the first backup of a generated dataset against a raw `pg_dump -Fc` of the same databases to
// a file (side by side, one run, ratio), the size and time of a second backup after 1% new rows (a day of
// chats and messages), and the time of a full restore drill. Real restic, real containers (pa-bktest-*,
// the backup test's fixture), removed afterwards.
// Usage: npm run bench:backup -- [--scale N]   (default 84: about 1,000,000 rows across the three databases)
import { execFileSync } from "child_process";
import { BackupDeps, takeBackup, verifyBackup } from "../cli/backup/backups";
import { DockerCli } from "../platform/dockerClient";
import { benchArgs } from "./args";
import { containerOf, generateDataset, psql, removeBackupStack, startBackupStack } from "../test/backup/fixture";

const scale = benchArgs(
    "Usage: npm run bench:backup -- [--scale N]\nTimes a raw pg_dump against the first restic backup, a second backup after 1% new rows, and a restore drill (scale 84 = about 1M rows).",
    "--scale",
    84,
    1,
);

const seconds = (start: number) => (performance.now() - start) / 1000;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const deps: BackupDeps = { docker: new DockerCli(), say: (line) => process.stderr.write(`  ${line}\n`), now: () => new Date() };

async function main(): Promise<void> {
    const { target } = startBackupStack();
    try {
        process.stderr.write(`generating the dataset (scale ${scale})...\n`);
        generateDataset(scale);
        const rows = ["letta", "openwebui", "n8n"].map((db) => Number(psql(db, "SELECT sum(n_live_tup) FROM pg_stat_user_tables") || 0)).reduce((a, b) => a + b, 0);
        psql("postgres", "CHECKPOINT");

        let start = performance.now();
        let rawBytes = 0;
        for (const db of ["letta", "openwebui", "n8n"]) {
            execFileSync("docker", ["exec", containerOf("postgres"), "sh", "-c", `pg_dump -h localhost -U postgres -Fc -f /tmp/raw-${db}.dump ${db}`]);
            rawBytes += Number(execFileSync("docker", ["exec", containerOf("postgres"), "stat", "-c", "%s", `/tmp/raw-${db}.dump`], { encoding: "utf8" }).trim());
        }
        const raw = seconds(start);
        execFileSync("docker", ["exec", containerOf("postgres"), "sh", "-c", "rm -f /tmp/raw-*.dump"]);

        start = performance.now();
        const first = await takeBackup(target, deps, { reason: "manual" });
        const firstSeconds = seconds(start);

        // A day of use: 1% new rows, as new chats, messages and executions.
        const added = Math.round(rows / 100);
        psql("letta", `INSERT INTO letta.messages (role, content) SELECT 'user', jsonb_build_object('text', md5(g::text) || ' new day', 'i', g) FROM generate_series(1, ${Math.round(added * 0.5)}) g`);
        psql("openwebui", `INSERT INTO chat SELECT 'day-' || g, 'u1', 'new chat ' || g, json_build_object('messages', json_build_array(json_build_object('role','user','content', md5(g::text)))), 0 FROM generate_series(1, ${Math.round(added * 0.25)}) g`);
        psql("n8n", `INSERT INTO execution_entity ("workflowId", status) SELECT 'w1', 'success' FROM generate_series(1, ${Math.round(added * 0.25)}) g`);
        start = performance.now();
        const second = await takeBackup(target, deps, { reason: "manual" });
        const secondSeconds = seconds(start);

        start = performance.now();
        const drill = await verifyBackup(target, deps, second.id, 10);
        const drillSeconds = seconds(start);

        const lines = [
            `rows: ${rows.toLocaleString("en-US")} (scale ${scale}), Neo4j ${200 * scale} nodes, volumes ${Object.values(first.volumes).reduce((a, v) => a + v.files, 0)} files`,
            `raw pg_dump -Fc to a file:        ${raw.toFixed(1)} s, ${mib(rawBytes)}`,
            `first backup (everything):        ${firstSeconds.toFixed(1)} s, ${mib(first.bytesAdded)} added  -> ${(firstSeconds / raw).toFixed(2)}x raw pg_dump's time (bar: 1.5x); Neo4j frozen ${first.neo4jFrozenSeconds} s`,
            `second backup after 1% new rows:  ${secondSeconds.toFixed(1)} s, ${mib(second.bytesAdded)} added -> ${((100 * second.bytesAdded) / first.bytesAdded).toFixed(1)}% of the first's size (bar: under 10%)`,
            `restore drill (check 10% + restore + compare): ${drillSeconds.toFixed(1)} s, ${drill.ok ? "proven" : "NOT PROVEN"}`,
        ];
        process.stdout.write(`${lines.join("\n")}\n`);
        if (!drill.ok) process.exitCode = 1;
    } finally {
        removeBackupStack();
    }
}

main().catch((error) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    removeBackupStack();
    process.exit(1);
});
