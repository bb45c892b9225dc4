// The operator commands' Docker-side building blocks, for real: health probes, workflow tests,
// backup and restore, against pa-opstest-* containers started from the test images.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Service } from "../../config/schema";
import { readBackup, restoreBackup } from "../../cli/backup/legacy";
import { createBackup } from "./legacyBackup";
import { checkHealth, formatHealthTable } from "../../cli/checks/health";
import { DockerCli } from "../../platform/dockerClient";
import { httpProbe, probeFromStackHost } from "../../cli/checks/http";
import { runWorkflowTests } from "../../cli/checks/workflows";
import { OpsStack, removeOpsStack, startOpsStack } from "./fixture";
import { docker, waitFor } from "../support/docker";

const probes = { http: httpProbe, docker: new DockerCli() };

describe("operator building blocks on real containers", function () {
    let ops: OpsStack;
    let backupsDir: string;
    const checksOf = async (services: Service[]) => (await checkHealth(ops.target, probes)).checks.filter((c) => services.includes(c.service));

    before(async function () {
        this.timeout(600_000);
        ops = startOpsStack();
        backupsDir = fs.mkdtempSync(path.join(os.tmpdir(), "pa-opstest-backups-"));
        const deadline = Date.now() + 420_000;
        for (;;) {
            const checks = await checksOf(ops.running);
            if (checks.every((c) => c.ok)) break;
            if (Date.now() > deadline) throw new Error(`services not healthy:\n${checks.filter((c) => !c.ok).map((c) => `${c.service} ${c.check}: ${c.detail}`).join("\n")}`);
            await new Promise((r) => setTimeout(r, 3000));
        }
    });

    after(() => {
        if (process.env.PA_OPSTEST_KEEP !== "true") removeOpsStack();
        if (backupsDir) fs.rmSync(backupsDir, { recursive: true, force: true });
    });

    describe("health", () => {
        it("every running service passes its real checks, each timed", async () => {
            const checks = await checksOf(ops.running);
            assert.ok(checks.length >= 6);
            for (const c of checks) {
                assert.ok(c.ok, `${c.service} ${c.check}: ${c.detail}`);
                assert.ok(c.ms > 0, `${c.check} has a time`);
            }
            const names = checks.map((c) => c.check);
            for (const expected of ["pg_isready", "SELECT 1 in letta as letta", "SELECT 1 in openwebui as openwebui", "SELECT 1 in n8n as n8n", "GET :7474/", "Cypher RETURN 1", "GET /healthz/readiness"]) {
                assert.ok(names.includes(expected), `missing check ${expected}`);
            }
        });

        it("from the stack's host: every check passes through a probe container on its network, as from here", async function () {
            this.timeout(180_000);
            // What `pa health` does for an ssh:// stack, here on the local engine: the same URLs, from a container.
            const fromHost = { ...probes, http: probeFromStackHost(probes.docker, ops.target.images.n8n) };
            const checks = (await checkHealth(ops.target, fromHost)).checks.filter((c) => ops.running.includes(c.service) && c.check.startsWith("GET /"));
            assert.ok(checks.length >= 2, JSON.stringify(checks));
            for (const c of checks) assert.ok(c.ok, `${c.service} ${c.check}: ${c.detail}`);
            const refused = await fromHost.http("http://127.0.0.1:24999/");
            assert.strictEqual(refused.status, 0);
            assert.match(refused.error ?? "", /ECONNREFUSED/);
        });

        it("a stopped service fails its checks; --verbose shows its state, restarts and logs", async () => {
            docker("stop", ops.target.containers.n8n);
            try {
                const report = await checkHealth(ops.target, probes, { verbose: true });
                assert.strictEqual(report.healthy, false);
                const n8n = report.checks.find((c) => c.service === "n8n")!;
                assert.strictEqual(n8n.ok, false);
                assert.match(n8n.detail, /unreachable/);
                const details = report.details!.find((d) => d.service === "n8n")!;
                assert.strictEqual(details.state?.status, "exited");
                assert.strictEqual(typeof details.state?.restartCount, "number");
                assert.match(formatHealthTable(report), /n8n \(pa-opstest-n8n\): exited/);
            } finally {
                docker("start", ops.target.containers.n8n);
            }
            waitFor(() => docker("exec", ops.target.containers.n8n, "wget", "-qO-", "http://localhost:5678/healthz/readiness").includes("ok"), 120, "n8n back");
        });

        it("a wrong database password fails the per-database query, not pg_isready", async () => {
            docker("exec", ops.target.containers.postgres, "psql", "-h", "localhost", "-U", "postgres", "-c", "ALTER ROLE n8n PASSWORD 'changed-elsewhere'");
            try {
                const checks = (await checkHealth(ops.target, probes)).checks.filter((c) => c.service === "postgres");
                assert.strictEqual(checks.find((c) => c.check === "pg_isready")!.ok, true);
                assert.strictEqual(checks.find((c) => c.check === "SELECT 1 in n8n as n8n")!.ok, false);
            } finally {
                docker("exec", ops.target.containers.postgres, "sh", "-c", `psql -h localhost -U postgres -c "ALTER ROLE n8n PASSWORD '$PA_N8N_DB_PASSWORD'"`);
            }
        });
    });

    describe("workflow tests", () => {
        it("the write paths pass and leave nothing behind", async function () {
            const report = await runWorkflowTests(ops.target, probes, { allowWrites: true });
            for (const r of report.results) assert.ok(r.ok, `${r.path}: ${r.detail}`);
            const tables = docker("exec", ops.target.containers.postgres, "psql", "-h", "localhost", "-U", "postgres", "-d", "n8n", "-tAc", "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'pa_ops_probe_%'");
            assert.strictEqual(tables, "0");
            const workflows = docker("exec", ops.target.containers.postgres, "psql", "-h", "localhost", "-U", "postgres", "-d", "n8n", "-tAc", "SELECT count(*) FROM workflow_entity WHERE name LIKE 'pa-ops-probe-%'");
            assert.strictEqual(workflows, "0");
        });

        it("the read-only paths pass", async function () {
            const report = await runWorkflowTests(ops.target, probes, { allowWrites: false });
            for (const r of report.results) {
                assert.ok(r.ok, `${r.path}: ${r.detail}`);
            }
        });

        it("a failing path is reported, the others still run", async () => {
            const target = { ...ops.target, urls: { ...ops.target.urls, n8n: "http://127.0.0.1:9" } };
            const report = await runWorkflowTests(target, probes, { allowWrites: false });
            assert.strictEqual(report.ok, false);
            assert.strictEqual(report.results.find((r) => r.path.startsWith("n8n"))!.ok, false);
            assert.ok(report.results.find((r) => r.path.startsWith("neo4j"))!.ok);
        });
    });

    describe("backup and restore", () => {
        const pg = (db: string, sql: string) => docker("exec", ops.target.containers.postgres, "psql", "-h", "localhost", "-U", "postgres", "-d", db, "-tAc", sql);
        const cypher = async (statement: string) => {
            const { cypher: run } = await import("../../cli/checks/databases");
            const result = await run(probes.docker, ops.target.containers.neo4j, [statement]);
            assert.ok(result.ok, result.error);
            return result.output;
        };
        let dir: string;

        it("backs up every app database, Neo4j and the data volumes, with a manifest", async () => {
            pg("letta", "CREATE TABLE keep_me (v text); INSERT INTO keep_me VALUES ('before-backup')");
            pg("n8n", "CREATE TABLE keep_me (v text); INSERT INTO keep_me VALUES ('before-backup')");
            await cypher("CREATE (:KeepMe {v: 'before-backup'})");
            docker("exec", ops.target.containers.n8n, "sh", "-c", "echo before-backup > /home/node/.n8n/keep-me.txt");
            const result = await createBackup(ops.target, probes.docker, backupsDir, new Date(), () => undefined);
            dir = result.dir;
            const manifest = readBackup(dir);
            assert.deepStrictEqual(manifest.items.filter((i) => i.kind === "postgres").map((i) => (i as { database: string }).database), ["letta", "openwebui", "n8n"]);
            const volumes = manifest.items.filter((i) => i.kind === "volume").map((i) => (i as { volume: string }).volume).sort();
            assert.deepStrictEqual(volumes, ["pa-opstest-n8n-data", "pa-opstest-neo4j-data", "pa-opstest-open-webui-data"]);
            for (const item of manifest.items) assert.ok(item.bytes > 0 && item.sha256.length === 64);
            assert.ok(!fs.existsSync(`${dir}.partial`));
            waitFor(() => docker("inspect", "-f", "{{.State.Running}}", ops.target.containers.neo4j) === "true", 30, "neo4j restarted after its offline backup");
        });

        it("restores databases, Neo4j and volumes to the backup's content, and the services come back healthy", async () => {
            pg("letta", "DELETE FROM keep_me; INSERT INTO keep_me VALUES ('after-backup')");
            pg("n8n", "DROP TABLE keep_me");
            waitFor(() => docker("exec", ops.target.containers.neo4j, "sh", "-c", "curl -fsS http://localhost:7474/ >/dev/null && echo up") === "up", 120, "neo4j up");
            await cypher("MATCH (n:KeepMe) DETACH DELETE n");
            await cypher("CREATE (:AfterBackup)");
            docker("exec", ops.target.containers.n8n, "sh", "-c", "rm /home/node/.n8n/keep-me.txt && echo after > /home/node/.n8n/new.txt");

            await restoreBackup(ops.target, probes.docker, dir, ["postgres", "neo4j", "letta", "openWebui", "n8n"], () => undefined);

            assert.strictEqual(pg("letta", "SELECT string_agg(v, ',') FROM keep_me"), "before-backup");
            assert.strictEqual(pg("n8n", "SELECT string_agg(v, ',') FROM keep_me"), "before-backup");
            assert.strictEqual(pg("letta", "SHOW search_path"), "letta", "Letta's database-level search_path comes back");
            assert.strictEqual(pg("letta", "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'vector'"), "letta");
            waitFor(() => docker("exec", ops.target.containers.n8n, "cat", "/home/node/.n8n/keep-me.txt") === "before-backup", 60, "n8n volume restored");
            assert.throws(() => docker("exec", ops.target.containers.n8n, "cat", "/home/node/.n8n/new.txt"));
            const deadline = Date.now() + 240_000;
            for (;;) {
                const checks = await checksOf(ops.running);
                if (checks.every((c) => c.ok)) break;
                if (Date.now() > deadline) assert.fail(`not healthy after restore: ${checks.filter((c) => !c.ok).map((c) => `${c.service} ${c.check}: ${c.detail}`).join("; ")}`);
                await new Promise((r) => setTimeout(r, 3000));
            }
            assert.strictEqual(await cypher("MATCH (n:KeepMe) RETURN n.v"), '[[["before-backup"]]]');
            assert.strictEqual(await cypher("MATCH (n:AfterBackup) RETURN count(n)"), "[[[0]]]");
        });

        it("refuses to restore a backup whose file does not match its checksum", async () => {
            const file = path.join(dir, "postgres-n8n.dump");
            fs.appendFileSync(file, "garbage");
            await assert.rejects(restoreBackup(ops.target, probes.docker, dir, ["n8n"], () => undefined), /does not match its checksum/);
            assert.strictEqual(pg("n8n", "SELECT string_agg(v, ',') FROM keep_me"), "before-backup", "nothing was touched");
        });
    });
});
