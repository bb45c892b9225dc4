// The documented workflow on the real Pulumi engine and the local Docker engine, in a sandbox
// clone: deploy staging, promote to a local production stack, sync production's data into staging
// (sanitized) and run staging's workflow tests on it, break production on purpose (an image
// that never becomes healthy) and watch the automatic rollback restore service with data intact,
// then rollback --tag and --emergency, and the lock refusal. Each step prints its duration.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cypher } from "../../cli/checks/databases";
import { AutomationEngine } from "../../cli/stacks/engine";
import { EXIT } from "../../platform/exitCodes";
import { GitCli } from "../../cli/release/git";
import { lockFile } from "../../platform/lock";
import { Logger } from "../../platform/log";
import { RealOperations } from "../../cli/stacks/operations";
import { DockerCli } from "../../platform/dockerClient";
import { httpProbe } from "../../cli/checks/http";
import { promote } from "../../cli/release/promotion";
import { listPoints } from "../../cli/release/rollbackPoints";
import { BackupDeps, findBackup, listBackups, readManifest } from "../../cli/backup/backups";
import { Target } from "../../cli/stacks/target";
import { resticBackupIdOf } from "../../model/backup";
import { containerOf, waitFor } from "../support/docker";
import { createSandbox, Sandbox, STACKS } from "./sandbox";

const PROD = `pa-${STACKS.production}`;
const STAGING = `pa-${STACKS.staging}`;
const docker = new DockerCli();
const backupDeps: BackupDeps = { docker, say: () => undefined, now: () => new Date() };
const psqlIn = (prefix: string, db: string, sql: string) => execFileSync("docker", ["exec", `${prefix}-postgres`, "psql", "-h", "localhost", "-U", "postgres", "-d", db, "-tAc", sql], { encoding: "utf8" }).trim();
const psql = (db: string, sql: string) => psqlIn(PROD, db, sql);
const neo4j = async (statement: string) => {
    const result = await cypher(docker, `${PROD}-neo4j`, [statement]);
    assert.ok(result.ok, result.error);
    return result.output;
};
/** The image id a container runs, or an image tag stands for. */
const imageId = (kind: "container" | "image", name: string) => execFileSync("docker", [kind, "inspect", "-f", kind === "container" ? "{{.Image}}" : "{{.Id}}", name], { encoding: "utf8" }).trim();

/** Marker data in an app database the rollback restores (n8n), one it leaves alone (letta), and Neo4j. */
/** Production's target as the operator commands read it (with its backup settings). */
async function productionTarget(box: Sandbox): Promise<Target> {
    const log = new Logger({ repo: box.dir, kind: "backup", debug: false });
    const real = new RealOperations({ projectRoot: box.dir, engine: new AutomationEngine(box.dir), git: new GitCli(box.dir), docker, http: httpProbe, log });
    return real.targetOf(await real.openStack(STACKS.production));
}

async function writeMarkers(): Promise<void> {
    for (const db of ["n8n", "letta"]) psql(db, "CREATE TABLE IF NOT EXISTS e2e_marker (v text); DELETE FROM e2e_marker; INSERT INTO e2e_marker VALUES ('kept')");
    await neo4j("MERGE (:E2eMarker {v: 'kept'})");
}

async function assertMarkers(): Promise<void> {
    for (const db of ["n8n", "letta"]) assert.strictEqual(psql(db, "SELECT v FROM e2e_marker"), "kept", `marker row in ${db}`);
    assert.strictEqual(await neo4j("MATCH (m:E2eMarker) RETURN m.v"), '[[["kept"]]]', "marker node in Neo4j");
}

describe("operator workflow on the real engine", () => {
    let box: Sandbox;
    let brokenPoint: string;
    before(() => (box = createSandbox()));
    after(async () => box && (await box.dispose()));
    afterEach(function () {
        const test = this.currentTest!;
        console.log(`      step took ${((test.duration ?? 0) / 1000).toFixed(1)} s: ${test.title} (${test.state})`);
        if (test.state === "failed") console.log(box.diagnose());
    });

    it("deploy-staging brings the staging stack up healthy", async () => {
        assert.strictEqual(await box.pa("deploy-staging"), EXIT.ok);
        assert.strictEqual(await box.pa("health", "--staging"), EXIT.ok);
    });

    it("the first promotion deploys production (nothing to roll back to yet) with its backup scheduler", async () => {
        assert.strictEqual(await box.pa("promote", "--yes"), EXIT.ok);
        assert.strictEqual(await box.pa("health", "--production"), EXIT.ok);
        // Declared by the stack: the scheduler copied its docker CLI through the proxy and reads the repository.
        const scheduler = `pa-${STACKS.production}-backup-scheduler`;
        waitFor(() => execFileSync("docker", ["logs", scheduler], { encoding: "utf8" }).includes(`scheduler of ${STACKS.production}: backups '30 3 * * *'`), 60, "the backup scheduler's start");
        assert.strictEqual(execFileSync("docker", ["logs", `pa-${STACKS.production}-docker-api`], { encoding: "utf8" }).includes("refused"), false);
    });

    it("pa drift finds no drift right after the deploys, names a stopped or edited container, and none once it is put back", () => {
        // Through bin/pa.js, as a person runs it: the first run compiles the sandbox's checkout.
        const drift = (...args: string[]) => spawnSync("node", [path.join(box.dir, "bin/pa.js"), "drift", ...args], { encoding: "utf8", env: process.env, cwd: box.dir });
        const settled = drift("--all", "--json");
        assert.strictEqual(settled.status, EXIT.ok, `drift right after the deploys:\n${settled.stdout}\n${settled.stderr.slice(-3000)}`);
        assert.deepStrictEqual(JSON.parse(settled.stdout).map((s: { drifted: unknown[] }) => s.drifted), [[], []]);

        const n8n = containerOf(STACKS.staging, "n8n");
        const letta = containerOf(STACKS.staging, "letta");
        execFileSync("docker", ["stop", n8n]);
        execFileSync("docker", ["update", "--restart", "no", letta]);
        try {
            const found = drift("--staging", "--json");
            assert.strictEqual(found.status, EXIT.failed, found.stderr.slice(-3000));
            const [staging] = JSON.parse(found.stdout);
            const byName = Object.fromEntries(staging.drifted.map((d: { name: string; properties: string[] }) => [d.name, d.properties]));
            assert.deepStrictEqual(byName, { n8n: ["mustRun"], letta: ["restart"] }, found.stdout);
        } finally {
            execFileSync("docker", ["start", n8n]);
            execFileSync("docker", ["update", "--restart", "unless-stopped", letta]);
        }
        const back = drift("--staging");
        assert.strictEqual(back.status, EXIT.ok, back.stdout + back.stderr.slice(-2000));
        assert.match(back.stdout, new RegExp(`^${STACKS.staging}: no drift$`, "m"));
    });

    it("sync-production-data copies production into staging through pulumi up, sanitized; staging's workflows still pass", async () => {
        // A person in production's Open WebUI, with their email, phone and name in a chat.
        const person = { name: "Margarethe Quist", email: "margarethe.quist@mail.example.org", phone: "+44 20 7946 0321" };
        psql("openwebui", `INSERT INTO "user" (id, name, email, role, profile_image_url, created_at, updated_at, last_active_at) VALUES ('e2e-person', '${person.name}', '${person.email}', 'user', '/user.png', 0, 0, 0) ON CONFLICT DO NOTHING`);
        const chat = JSON.stringify({ messages: [{ role: "user", content: `I am ${person.name}, write to ${person.email} or call ${person.phone}` }] });
        psql("openwebui", `INSERT INTO chat (id, user_id, title, chat, created_at, updated_at) VALUES ('e2e-chat', 'e2e-person', 'Plans of ${person.name}', '${chat}', 0, 0) ON CONFLICT DO NOTHING`);
        const history = async () => (await new AutomationEngine(box.dir).open(STACKS.staging, box.dir)).history();
        const updatesBefore = (await history()).length;

        const run = spawnSync("bash", [path.join(box.dir, "scripts/sync-production-data.sh"), "--yes", "--json"], { encoding: "utf8", env: process.env, maxBuffer: 64 << 20 });
        assert.strictEqual(run.status, 0, `sync failed:\n${run.stderr.slice(-4000)}\n${run.stdout}`);
        const result = JSON.parse(run.stdout.trim().split("\n").pop()!);
        assert.strictEqual(result.ok, true);
        assert.ok(result.summary.rows > 0, JSON.stringify(result.summary));
        assert.strictEqual(result.summary.sanitized, true);
        assert.ok(result.summary.graph && result.summary.files, JSON.stringify(result.summary));

        const staged = psqlIn(STAGING, "openwebui", `SELECT u.email || ' ' || u.name || ' ' || c.title || ' ' || c.chat::text FROM chat c JOIN "user" u ON u.id = c.user_id WHERE c.id = 'e2e-chat'`);
        assert.match(staged, /^user-[0-9a-f]{16}@example\.com Test User Plans of Test User /);
        assert.ok(staged.includes("555-0123"), staged);
        for (const value of [person.name, "Margarethe", "Quist", person.email, person.phone]) assert.ok(!staged.includes(value), `${value} left in staging`);
        assert.strictEqual((await history()).length, updatesBefore + 1, "the sync is one update in staging's stack history");

        assert.strictEqual(await box.pa("health", "--staging"), EXIT.ok);
        assert.strictEqual(await box.pa("test-workflows", "--staging"), EXIT.ok);
    });

    it("a second promotion records a validated rollback point with a backup", async () => {
        assert.strictEqual(await box.pa("promote", "--yes"), EXIT.ok);
        const points = await listPoints(new GitCli(box.dir), STACKS.production);
        assert.strictEqual(points.length, 1);
        assert.strictEqual(points[0].manifest.validated, true);
        const id = resticBackupIdOf(points[0].manifest.backup ?? "");
        assert.ok(id, `the point names a restic backup: ${points[0].manifest.backup}`);
        assert.ok(!fs.existsSync(path.join(box.dir, "backups")), "no backup is written into the checkout");
        const target = await productionTarget(box);
        const backups = await listBackups(target, backupDeps);
        const taken = backups.find((b) => b.id === id);
        assert.ok(taken?.complete, JSON.stringify(backups));
        assert.strictEqual(taken.point, points[0].tag);
        assert.strictEqual(taken.reason, "promote");
        assert.strictEqual(await box.pa("rollback", "--list"), EXIT.ok);
    });

    it("the promotion's backup of the real apps' data passes the restore drill", async () => {
        assert.strictEqual(await box.pa("backup", "verify", "latest", "--read", "100"), EXIT.ok);
        assert.strictEqual(await box.pa("backup", "list"), EXIT.ok);
        // Its manifest names the stack update the data belongs to (the one production ran before this promotion).
        const log = new Logger({ repo: box.dir, kind: "promote", debug: false });
        const real = new RealOperations({ projectRoot: box.dir, engine: new AutomationEngine(box.dir), git: new GitCli(box.dir), docker, http: httpProbe, log });
        const production = await real.targetOf(await real.openStack(STACKS.production));
        const deps: BackupDeps = real.backupDeps(production);
        const manifest = await readManifest(production, deps, await findBackup(production, deps, "latest"));
        assert.strictEqual(manifest.reason, "promote");
        assert.ok(manifest.stackUpdate?.startTime, JSON.stringify(manifest.stackUpdate));
    });

    it("a broken image in production is rolled back automatically, data intact", async () => {
        await writeMarkers();
        const log = new Logger({ repo: box.dir, kind: "promote", debug: process.env.DEBUG === "true" });
        const real = new RealOperations({ projectRoot: box.dir, engine: new AutomationEngine(box.dir), git: new GitCli(box.dir), docker, http: httpProbe, log });
        const stagingTarget = await real.targetOf(await real.openStack(STACKS.staging));
        // n8n with its server replaced by sleep: it starts and its healthcheck never passes.
        const broken = box.derivedImage(stagingTarget.images.n8n, "broken-healthcheck", ['ENTRYPOINT ["sh", "-c", "sleep infinity"]', "CMD []"]);
        // Staging stays healthy on the good image; only the versions handed to production are broken.
        const ops = Object.assign(Object.create(real), {
            targetOf: async (stack: { name: string }) => {
                const t = await real.targetOf(stack as never);
                return stack.name === STACKS.staging ? { ...t, images: { ...t.images, n8n: broken } } : t;
            },
        }) as RealOperations;
        const result = await promote(ops, {
            productionStack: STACKS.production,
            stagingStack: STACKS.staging,
            yes: true,
            validateTimeoutMs: 120_000,
            rollbackTimeoutMs: 300_000,
            restoreDataOnRollback: false,
            say: (l) => log.info(l),
            engineOutput: (l) => log.debug(l),
        });
        assert.strictEqual(result.outcome, "rolled-back", JSON.stringify(result));
        assert.strictEqual(result.stage, "up", "the broken container failed pulumi up's health wait");
        assert.deepStrictEqual(result.dataTouched, ["n8n"]);
        console.log(`      automatic rollback took ${result.rollback?.seconds} s`);
        brokenPoint = result.point!;
        assert.strictEqual(await box.pa("health", "--production"), EXIT.ok);
        await assertMarkers();
        assert.notStrictEqual(imageId("container", containerOf(STACKS.production, "n8n")), imageId("image", broken), "n8n runs the good image again");
    });

    it("rollback --tag redeploys a point with its data", async () => {
        psql("n8n", "DELETE FROM e2e_marker");
        psql("letta", "DELETE FROM e2e_marker");
        await neo4j("MATCH (m:E2eMarker) DELETE m");
        assert.strictEqual(await box.pa("rollback", "--tag", brokenPoint, "--with-data", "--yes"), EXIT.ok);
        await assertMarkers();
    });

    it("rollback --emergency returns to the last validated point, also when a container was removed", async () => {
        execFileSync("docker", ["rm", "-f", containerOf(STACKS.production, "letta")]);
        assert.strictEqual(await box.pa("rollback", "--emergency"), EXIT.ok);
        assert.strictEqual(await box.pa("health", "--production"), EXIT.ok);
        await assertMarkers();
    });

    it("a promotion or rollback while another holds the lock is refused with exit code 3", async () => {
        const file = lockFile(box.dir, STACKS.production);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command: "promote" }));
        try {
            assert.strictEqual(await box.pa("promote", "--yes"), EXIT.locked);
            assert.strictEqual(await box.pa("rollback", "--emergency"), EXIT.locked);
        } finally {
            fs.rmSync(file);
        }
    });
});
