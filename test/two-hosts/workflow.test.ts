// The documented workflow across two hosts, on the real Pulumi engine, in a sandbox clone: the local
// engine plays the laptop (staging), a second engine reached over SSH plays the server (production,
// test/two-hosts/server.sh). Deploy staging, promote to production on the server (its images pulled
// from a registry), check the containers' hardening on both engines, sync production's data into
// staging (sanitized) and search the laptop's whole footprint for the raw values, cut the SSH link
// during a sync's Postgres copy and inside its Neo4j freeze, run staging's workflow tests on the copy,
// break production on purpose (an image that never becomes healthy) and watch the automatic rollback
// restore service with data intact, then rollback --tag and --emergency, and the lock refusal.
// Each step prints its duration.
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
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
import { SIDECAR_LIMITS } from "../../model/backupScheduler";
import { CAPABILITIES, DEFAULT_PIDS_LIMITS, NO_NEW_PRIVILEGES } from "../../model/hardening";
import { ContainerRole } from "../../model/names";
import { SYNC_KEY_HOLDER_MEMORY_MB } from "../../model/sync";
import { waitFor } from "../support/docker";
import { outageMeter, paProcess, processesOf, promoteWithFault } from "./faults";
import { createSandbox, Sandbox, STACKS } from "./sandbox";
import { server, Server } from "./server";

const PROD = `pa-${STACKS.production}`;
const STAGING = `pa-${STACKS.staging}`;
const srv: Server = server();
const laptop = (box: Sandbox) => box.engines.staging;
const prod = (box: Sandbox) => box.engines.production;
/** Production's engine through its socket: the tests' checks work while the SSH link is cut. */
const productionDocker = new DockerCli("docker", srv.socket);
const psqlIn = (box: Sandbox, env: "staging" | "production", db: string, sql: string) =>
    box.engines[env].docker("exec", `${env === "staging" ? STAGING : PROD}-postgres`, "psql", "-h", "localhost", "-U", "postgres", "-d", db, "-tAc", sql);
let psql: (db: string, sql: string) => string;
const neo4j = async (statement: string) => {
    const result = await cypher(productionDocker, `${PROD}-neo4j`, [statement]);
    assert.ok(result.ok, result.error);
    return result.output;
};
/** The image id a container runs on production's engine, or an image tag stands for on the laptop's. */
const imageId = (box: Sandbox, kind: "container" | "image", name: string) =>
    (kind === "container" ? prod(box) : laptop(box)).docker(kind, "inspect", "-f", kind === "container" ? "{{.Image}}" : "{{.Id}}", name);

/** Files under `paths` holding any of `values` in any letter case (grep -Fi, binary files read as text). */
function filesHolding(values: string[], paths: string[], run: (args: string[]) => { status: number | null; stdout: string; stderr: string } = (args) => spawnSync("grep", args, { encoding: "utf8", maxBuffer: 64 << 20, env: { ...process.env, LC_ALL: "C" } })): string[] {
    const found = run(["-rlaFis", ...values.flatMap((v) => ["-e", v]), "--", ...paths]);
    if (found.status === 2 && found.stdout === "") throw new Error(`grep failed: ${found.stderr}`);
    return found.stdout.split("\n").filter(Boolean);
}

/**
 * Runs a sync as the person does (the script, which runs `pulumi up`), calling `during(line)` on each line
 * the sync CLI logs: it runs inside the stack's Command, so its lines reach only its dated log file
 * (logs/staging/sync-*.log), which is followed here from where it ended before the run.
 */
function syncWatched(box: Sandbox, args: string[], env: NodeJS.ProcessEnv, during: (line: string) => void): Promise<{ code: number | null; output: string; logged: string[] }> {
    const logDir = path.join(box.dir, "logs", "staging");
    const logs = () => (fs.existsSync(logDir) ? fs.readdirSync(logDir).filter((f) => f.startsWith("sync-")).map((f) => path.join(logDir, f)) : []);
    const offsets = new Map(logs().map((file) => [file, fs.statSync(file).size]));
    let partial = "";
    const logged: string[] = [];
    const follow = () => {
        for (const file of logs()) {
            const from = offsets.get(file) ?? 0;
            const size = fs.statSync(file).size;
            if (size <= from) continue;
            const fd = fs.openSync(file, "r");
            const chunk = Buffer.alloc(size - from);
            fs.readSync(fd, chunk, 0, chunk.length, from);
            fs.closeSync(fd);
            offsets.set(file, size);
            const lines = (partial + chunk.toString()).split("\n");
            partial = lines.pop() ?? "";
            for (const line of lines) {
                if (!line) continue;
                logged.push(line);
                during(line);
            }
        }
    };
    return new Promise((resolve) => {
        const child = spawn("bash", [path.join(box.dir, "scripts/sync-production-data.sh"), "--yes", ...args], { env: { ...process.env, ...env } });
        const poll = setInterval(follow, 100);
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.on("close", (code) => {
            clearInterval(poll);
            follow();
            resolve({ code, output, logged });
        });
    });
}

/** Row counts of staging's tables the sync replaces, to show a failed sync left staging as it was. */
function stagingCounts(box: Sandbox): string {
    return ["openwebui:chat", "openwebui:\"user\"", "n8n:workflow_entity", "letta:organizations"]
        .map((entry) => {
            const [db, table] = entry.split(":");
            return `${entry}=${psqlIn(box, "staging", db, `SELECT count(*) FROM ${table}`)}`;
        })
        .join(" ");
}

/** Marker data in an app database the rollback restores (n8n), one it leaves alone (letta), and Neo4j. */
/** Production's target as the operator commands read it (with its backup settings). */
async function productionTarget(box: Sandbox): Promise<{ target: Target; deps: BackupDeps }> {
    const log = new Logger({ repo: box.dir, kind: "backup", debug: false });
    const real = new RealOperations({ projectRoot: box.dir, engine: new AutomationEngine(box.dir), git: new GitCli(box.dir), docker: new DockerCli(), http: httpProbe, log });
    const target = await real.targetOf(await real.openStack(STACKS.production));
    return { target, deps: real.backupDeps(target) };
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
    before(() => {
        box = createSandbox(srv);
        psql = (db, sql) => psqlIn(box, "production", db, sql);
    });
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

    it("the first promotion deploys production on the server over SSH (nothing to roll back to yet) with its backup scheduler", async () => {
        assert.strictEqual(await box.pa("promote", "--yes"), EXIT.ok);
        // Health from the laptop: its HTTP probes run on the server, where production's ports are bound.
        assert.strictEqual(await box.pa("health", "--production"), EXIT.ok);
        assert.ok(prod(box).labelled(`pa.stack=${STACKS.production}`).containers.length >= 6, "production's containers are on the server");
        assert.deepStrictEqual(laptop(box).labelled(`pa.stack=${STACKS.production}`), { containers: [], networks: [], volumes: [] }, "nothing of production on the laptop");
        // Declared by the stack: the scheduler copied its docker CLI through the proxy and reads the repository.
        const scheduler = `pa-${STACKS.production}-backup-scheduler`;
        waitFor(() => prod(box).docker("logs", scheduler).includes(`scheduler of ${STACKS.production}: backups '30 3 * * *'`), 60, "the backup scheduler's start");
        assert.strictEqual(prod(box).docker("logs", `pa-${STACKS.production}-docker-api`).includes("refused"), false);
    });

    it("every container on both hosts runs hardened; staging's databases listen on the laptop's loopback only", () => {
        const checked: string[] = [];
        for (const env of ["staging", "production"] as const) {
            const engine = box.engines[env];
            for (const name of engine.labelled(`pa.stack=${STACKS[env]}`).containers) {
                const c = engine.inspect("container", name);
                // The sync key's holder is created and never started: it only carries the key's volume.
                if (c.State.StartedAt.startsWith("0001-")) {
                    const host = c.HostConfig;
                    assert.strictEqual(host.NetworkMode, "none", `${name}: never started, and without a network`);
                    assert.ok((host.SecurityOpt ?? []).includes(NO_NEW_PRIVILEGES), `${name}: no-new-privileges (${host.SecurityOpt})`);
                    assert.deepStrictEqual([host.CapDrop, host.Memory], [["ALL"], SYNC_KEY_HOLDER_MEMORY_MB * 2 ** 20], `${name}: capabilities dropped, memory limited`);
                    checked.push(`${env}/${name}: never started, no network, caps dropped, mem ${SYNC_KEY_HOLDER_MEMORY_MB} MiB`);
                    continue;
                }
                const role = c.Config.Labels["pa.service"] as ContainerRole | undefined;
                const host = c.HostConfig;
                assert.ok((host.SecurityOpt ?? []).includes(NO_NEW_PRIVILEGES), `${name}: no-new-privileges (${host.SecurityOpt})`);
                assert.deepStrictEqual(host.CapDrop, ["ALL"], `${name}: capabilities dropped`);
                assert.ok(host.PidsLimit > 0, `${name}: a pids limit`);
                if (role && role in CAPABILITIES) {
                    assert.deepStrictEqual([...(host.CapAdd ?? [])].sort(), [...CAPABILITIES[role]].sort(), `${name}: capabilities added back`);
                    assert.strictEqual(host.PidsLimit, DEFAULT_PIDS_LIMITS[role], `${name}: pids limit`);
                    assert.ok(host.Memory > 0, `${name}: a memory limit (${env})`);
                }
                const sidecar = c.Config.Labels["pa.role"] as keyof typeof SIDECAR_LIMITS | undefined;
                if (sidecar && sidecar in SIDECAR_LIMITS) {
                    assert.strictEqual(host.PidsLimit, SIDECAR_LIMITS[sidecar].pidsLimit, `${name}: pids limit`);
                    assert.strictEqual(host.Memory, SIDECAR_LIMITS[sidecar].memoryMb * 2 ** 20, `${name}: memory limit`);
                    assert.deepStrictEqual(host.CapAdd ?? [], [], `${name}: no capability added back`);
                }
                for (const [port, bindings] of Object.entries(host.PortBindings ?? {}) as [string, { HostIp: string }[]][]) {
                    for (const b of bindings) assert.strictEqual(b.HostIp, "127.0.0.1", `${name}: ${port} published on ${b.HostIp || "every address"}`);
                }
                if (env === "production" && (role === "postgres" || role === "neo4j")) assert.deepStrictEqual(host.PortBindings ?? {}, {}, `${name}: production's database published`);
                checked.push(`${env}/${role ?? sidecar ?? name}: caps +${(host.CapAdd ?? []).length} pids ${host.PidsLimit} mem ${Math.round(host.Memory / 2 ** 20)} MiB`);
            }
        }
        for (const role of ["postgres", "neo4j"]) {
            const published = laptop(box).inspect("container", `${STAGING}-${role}`).HostConfig.PortBindings ?? {};
            assert.ok(Object.keys(published).length > 0, `staging's ${role} is published (for the person's tools)`);
        }
        console.log(`      checked: ${checked.join("; ")}`);
    });

    it("pa drift finds no drift right after the deploys, names a stopped or edited container, and none once it is put back", () => {
        // Through bin/pa.js, as a person runs it: the first run compiles the sandbox's checkout.
        const drift = (...args: string[]) => spawnSync("node", [path.join(box.dir, "bin/pa.js"), "drift", ...args], { encoding: "utf8", env: process.env, cwd: box.dir });
        const settled = drift("--all", "--json");
        assert.strictEqual(settled.status, EXIT.ok, `drift right after the deploys:\n${settled.stdout}\n${settled.stderr.slice(-3000)}`);
        assert.deepStrictEqual(JSON.parse(settled.stdout).map((s: { drifted: unknown[] }) => s.drifted), [[], []]);

        const n8n = laptop(box).containerOf(STACKS.staging, "n8n");
        const letta = laptop(box).containerOf(STACKS.staging, "letta");
        laptop(box).docker("stop", n8n);
        laptop(box).docker("update", "--restart", "no", letta);
        try {
            const found = drift("--staging", "--json");
            assert.strictEqual(found.status, EXIT.failed, found.stderr.slice(-3000));
            const [staging] = JSON.parse(found.stdout);
            const byName = Object.fromEntries(staging.drifted.map((d: { name: string; properties: string[] }) => [d.name, d.properties]));
            assert.deepStrictEqual(byName, { n8n: ["mustRun"], letta: ["restart"] }, found.stdout);
        } finally {
            laptop(box).docker("start", n8n);
            laptop(box).docker("update", "--restart", "unless-stopped", letta);
        }
        const back = drift("--staging");
        assert.strictEqual(back.status, EXIT.ok, back.stdout + back.stderr.slice(-2000));
        assert.match(back.stdout, new RegExp(`^${STACKS.staging}: no drift$`, "m"));
    });

    // A person in production's Open WebUI, with their email, phone and name in a chat: values made for
    // this run, so nothing else on the laptop (this test's own source in the sandbox clone) holds them.
    const tag = crypto.randomBytes(4).toString("hex");
    const surname = `Quist${tag.replace(/[0-9]/g, (d) => "abcdefghij"[Number(d)])}`;
    const person = { name: `Margarethe ${surname}`, email: `margarethe.${surname.toLowerCase()}@mail.example.org`, phone: `+44 20 7946 0${100 + (parseInt(tag, 16) % 900)}` };

    it("production holds a person's data: name and email in its Open WebUI users, phone in a chat", () => {
        psql("openwebui", `INSERT INTO "user" (id, name, email, role, profile_image_url, created_at, updated_at, last_active_at) VALUES ('e2e-person', '${person.name}', '${person.email}', 'user', '/user.png', 0, 0, 0) ON CONFLICT DO NOTHING`);
        const chat = JSON.stringify({ messages: [{ role: "user", content: `I am ${person.name}, write to ${person.email} or call ${person.phone}` }] });
        psql("openwebui", `INSERT INTO chat (id, user_id, title, chat, created_at, updated_at) VALUES ('e2e-chat', 'e2e-person', 'Plans of ${person.name}', '${chat}', 0, 0) ON CONFLICT DO NOTHING`);
    });

    it("a link cut during the sync's Postgres copy fails the sync; production serves, staging is as it was", async () => {
        const before = stagingCounts(box);
        let cut = false;
        // The first sync names the server; the staging stack keeps it (pa:sync.production.dockerHost).
        const run = await syncWatched(box, ["--production-host", srv.host], {}, (line) => {
            if (!cut && /: rows \(/.test(line)) {
                cut = true;
                srv.cutLink();
            }
        });
        srv.restoreLink();
        assert.ok(cut, `the sync never reached the Postgres copy:\n${run.output.slice(-3000)}`);
        assert.notStrictEqual(run.code, 0, `the sync passed through a cut link:\n${run.output.slice(-3000)}`);
        console.log(`      the sync logged: ${run.logged.find((l) => l.includes("[error]"))}`);
        assert.strictEqual(prod(box).inspect("container", `${PROD}-neo4j`).State.Paused, false, "production's Neo4j frozen");
        assert.strictEqual(await box.pa("health", "--production"), EXIT.ok);
        assert.strictEqual(stagingCounts(box), before);
        assert.strictEqual(await box.pa("health", "--staging"), EXIT.ok);
    });

    it("a link cut inside the sync's Neo4j freeze: the watchdog on the server thaws production; staging is as it was", async () => {
        const before = stagingCounts(box);
        const neo4jName = `${PROD}-neo4j`;
        // Enough files that the store copy outlasts a poll of the engine (test:sync uses the same ballast).
        prod(box).docker("exec", "-u", "0", neo4jName, "sh", "-c", "mkdir -p /data/pa-test-ballast && cd /data/pa-test-ballast && seq 1 60000 | xargs touch");
        try {
            let cutAt = 0;
            let freezing = false;
            const poll = setInterval(() => {
                if (!freezing || cutAt) return;
                if (prod(box).inspect("container", neo4jName).State.Paused) {
                    cutAt = Date.now();
                    srv.cutLink();
                }
            }, 100);
            const run = await syncWatched(box, [], { PA_SYNC_FREEZE_MAX_SECONDS: "20" }, (line) => {
                if (line.includes("neo4j: freezing production's Neo4j")) freezing = true;
            }).finally(() => clearInterval(poll));
            assert.ok(cutAt, `the link was never cut inside a freeze:\n${run.output.slice(-3000)}`);
            assert.notStrictEqual(run.code, 0, `the sync passed through a cut link:\n${run.output.slice(-3000)}`);
            waitFor(() => prod(box).inspect("container", neo4jName).State.Paused === false, 60, "the watchdog's thaw of production's Neo4j");
            console.log(`      production's Neo4j thawed ${((Date.now() - cutAt) / 1000).toFixed(1)} s after the cut; the sync logged: ${run.logged.find((l) => l.includes("[error]"))}`);
            srv.restoreLink();
            assert.strictEqual(await box.pa("health", "--production"), EXIT.ok);
            assert.strictEqual(stagingCounts(box), before);
        } finally {
            srv.restoreLink();
            prod(box).docker("exec", "-u", "0", neo4jName, "rm", "-rf", "/data/pa-test-ballast");
        }
    });

    it("with the link back, sync-production-data copies production into staging through pulumi up, sanitized; staging's workflows still pass", async () => {
        const history = async () => (await new AutomationEngine(box.dir).open(STACKS.staging, box.dir)).history();
        const updatesBefore = (await history()).length;

        const run = spawnSync("bash", [path.join(box.dir, "scripts/sync-production-data.sh"), "--yes", "--json"], { encoding: "utf8", env: process.env, maxBuffer: 64 << 20 });
        assert.strictEqual(run.status, 0, `sync failed:\n${run.stderr.slice(-4000)}\n${run.stdout}`);
        const result = JSON.parse(run.stdout.trim().split("\n").pop()!);
        assert.strictEqual(result.ok, true);
        assert.ok(result.summary.rows > 0, JSON.stringify(result.summary));
        assert.strictEqual(result.summary.sanitized, true);
        assert.ok(result.summary.graph && result.summary.files, JSON.stringify(result.summary));

        const staged = psqlIn(box, "staging", "openwebui", `SELECT u.email || ' ' || u.name || ' ' || c.title || ' ' || c.chat::text FROM chat c JOIN "user" u ON u.id = c.user_id WHERE c.id = 'e2e-chat'`);
        assert.match(staged, /^user-[0-9a-f]{16}@example\.com Test User Plans of Test User /);
        assert.ok(staged.includes("555-0123"), staged);
        for (const value of [person.name, "Margarethe", surname, person.email, person.phone]) assert.ok(!staged.includes(value), `${value} left in staging`);
        assert.strictEqual((await history()).length, updatesBefore + 1, "the sync is one update in staging's stack history");

        assert.strictEqual(await box.pa("health", "--staging"), EXIT.ok);
        assert.strictEqual(await box.pa("test-workflows", "--staging"), EXIT.ok);
    });

    it("after the syncs (two cut, one whole), nothing on the laptop holds the raw values in any case: volumes, containers and their logs, checkout, state, temp folders, Pulumi home", function () {
        const values = [person.email, surname, person.phone];
        // The phone also as bare digits (how a form or an export may hold it), searched on the laptop only.
        const phoneDigits = person.phone.replace(/\D/g, "").slice(2);
        // The search finds them where they are: production's volumes on the server hold every one.
        const onServer = new Set<string>();
        for (const value of values) {
            const holding = filesHolding([value], ["/var/lib/docker/volumes"], (args) => spawnSync("docker", ["exec", srv.container, "grep", ...args], { encoding: "utf8", maxBuffer: 64 << 20 }));
            assert.ok(holding.length > 0, `the search does not find ${value} even in production's volumes on the server`);
            holding.forEach((file) => onServer.add(file));
        }
        const engine = laptop(box);
        // All of them but the server's own container, which stands in for another machine.
        const laptopContainers = engine
            .docker("ps", "-a", "--format", "{{.Names}}")
            .split("\n")
            .filter((name) => name && name !== srv.container);
        const places: Record<string, string[]> = {
            "staging's volumes": engine.labelled(`pa.stack=${STACKS.staging}`).volumes.map((v) => engine.inspect("volume", v).Mountpoint),
            "every laptop container's own files": laptopContainers.map((name) => engine.inspect("container", name).GraphDriver.Data.UpperDir),
            "every laptop container's log": laptopContainers.map((name) => engine.inspect("container", name).LogPath),
            "the checkout (logs/, backups/, .pulumi-state/)": [box.dir],
            "the temp folders": [os.tmpdir()],
            "the Pulumi home": [path.join(os.homedir(), ".pulumi"), process.env.PULUMI_HOME ?? ""],
        };
        const leaks = Object.entries(places).flatMap(([place, paths]) => filesHolding([...values, phoneDigits], paths.filter((p) => p && fs.existsSync(p))).map((file) => `${place}: ${file}`));
        assert.deepStrictEqual(leaks, [], `raw production values on the laptop:\n${leaks.join("\n")}`);
        console.log(`      searched ${Object.values(places).flat().length} places on the laptop; the values are in ${onServer.size} files on the server`);
    });

    it("a second promotion records a validated rollback point with a backup", async () => {
        assert.strictEqual(await box.pa("promote", "--yes"), EXIT.ok);
        const points = await listPoints(new GitCli(box.dir), STACKS.production);
        assert.strictEqual(points.length, 1);
        assert.strictEqual(points[0].manifest.validated, true);
        const id = resticBackupIdOf(points[0].manifest.backup ?? "");
        assert.ok(id, `the point names a restic backup: ${points[0].manifest.backup}`);
        assert.ok(!fs.existsSync(path.join(box.dir, "backups")), "no backup is written into the checkout");
        const { target, deps } = await productionTarget(box);
        const backups = await listBackups(target, deps);
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
        const real = new RealOperations({ projectRoot: box.dir, engine: new AutomationEngine(box.dir), git: new GitCli(box.dir), docker: new DockerCli(), http: httpProbe, log });
        const production = await real.targetOf(await real.openStack(STACKS.production));
        const deps: BackupDeps = real.backupDeps(production);
        const manifest = await readManifest(production, deps, await findBackup(production, deps, "latest"));
        assert.strictEqual(manifest.reason, "promote");
        assert.ok(manifest.stackUpdate?.startTime, JSON.stringify(manifest.stackUpdate));
    });

    it("staging moves to new versions of Postgres and n8n, which the next promotions carry", async () => {
        const engine = await new AutomationEngine(box.dir).open(STACKS.staging, box.dir);
        const { target: production } = await productionTarget(box);
        // The same programs under new image ids: a promotion replaces Postgres stop-old-first and n8n new-copy-first.
        const next = (service: "postgres" | "n8n") => box.derivedImage(production.images[service], `${service}-next`, [`LABEL pa.test.version="next ${service}"`]);
        await engine.setImages({ ...production.images, postgres: next("postgres"), n8n: next("n8n") });
        assert.strictEqual(await box.pa("deploy-staging"), EXIT.ok);
    });

    /** A promotion of staging's new versions with `fault` at production's Postgres stop; the emergency rollback after it. */
    async function interruptedPromotion(fault: (pid: number) => void, afterFault: () => void | Promise<void>): Promise<{ promotion: { code: number | null; output: string }; cleanedUp: string[] }> {
        await writeMarkers();
        const { target } = await productionTarget(box);
        const meter = outageMeter(srv, STACKS.production, target.urls);
        let outages;
        let promotion;
        let rollback;
        try {
            try {
                promotion = await promoteWithFault(box.dir, meter.postgresHealthyNow, fault);
            } finally {
                srv.restoreLink();
            }
            assert.ok(promotion.faultAt, `production's Postgres was never seen stopped during the promotion:\n${promotion.output.slice(-3000)}`);
            assert.notStrictEqual(promotion.code, EXIT.ok, `the promotion passed through the fault:\n${promotion.output.slice(-3000)}`);
            await afterFault();
            // Not spawnSync: the meter keeps polling while the rollback runs.
            rollback = await paProcess(box.dir, ["rollback", "--emergency", "--json"]);
        } finally {
            outages = await meter.stop();
        }
        assert.strictEqual(rollback.code, EXIT.ok, `rollback --emergency after the fault:\n${rollback.stderr.slice(-4000)}`);
        const result = JSON.parse(rollback.stdout);
        console.log(`      outage in seconds, from the fault to a healthy production: containers not healthy ${JSON.stringify(outages.down)}, health URLs not answering 200 ${JSON.stringify(outages.unserved)}`);
        console.log(`      rollback --emergency took ${result.seconds} s and cleaned up: ${JSON.stringify(result.cleanedUp)}`);
        assert.deepStrictEqual(outages.appsWithoutCopy, [], "every app kept a running copy throughout (new-copy-first)");
        assert.strictEqual(await box.pa("health", "--production"), EXIT.ok);
        await assertMarkers();
        const { target: after } = await productionTarget(box);
        assert.strictEqual(after.images.postgres, target.images.postgres, "production runs the versions of its last good point");
        return { promotion, cleanedUp: result.cleanedUp };
    }

    it("a link cut in a promotion's pulumi up while production's Postgres is stopped: apps keep running, Postgres is reported, rollback --emergency restores service", async () => {
        const { promotion } = await interruptedPromotion(
            () => srv.cutLink(),
            () => undefined,
        );
        const tail = `promotion's output, last 4000 characters:\n${promotion.output.slice(-4000)}`;
        assert.match(promotion.output, /the failed update stopped postgres and never saw its replacement start/, tail);
        assert.match(promotion.output, /ROLLBACK FAILED [\s\S]*postgres MAY BE DOWN[\s\S]*`pa rollback --emergency`/, tail);
    });

    it("the laptop's process killed in a promotion's pulumi up while production's Postgres is stopped: a promotion refuses, rollback --emergency clears the traces and restores service", async () => {
        const { cleanedUp } = await interruptedPromotion(
            // The whole process group: the script, pa, the pulumi CLI, its plugins and their ssh.
            (pid) => process.kill(-pid, "SIGKILL"),
            async () => {
                const survivors = processesOf(box.dir, 30);
                console.log(`      after the kill: ${survivors.length ? `still running 30 s later (now killed too): ${survivors.join("; ")}` : "no process of the promotion left"}`);
                // A laptop that died takes every process with it.
                for (const survivor of survivors) {
                    try {
                        process.kill(Number(survivor.split(" ")[0]), "SIGKILL");
                    } catch {
                        // gone meanwhile
                    }
                }
                const again = await paProcess(box.dir, ["promote", "--yes"]);
                assert.strictEqual(again.code, EXIT.failed, again.stdout + again.stderr.slice(-3000));
                assert.match(again.stdout, /was left mid-update by an interrupted run[\s\S]*Pulumi's lock of pid \d+[\s\S]*`pa rollback --emergency`/);
            },
        );
        assert.ok(cleanedUp.some((line) => /removed Pulumi's lock of pid \d+ .*that process is gone/.test(line)), JSON.stringify(cleanedUp));
    });

    it("a broken image in production is rolled back automatically, data intact", async () => {
        await writeMarkers();
        const log = new Logger({ repo: box.dir, kind: "promote", debug: process.env.DEBUG === "true" });
        const real = new RealOperations({ projectRoot: box.dir, engine: new AutomationEngine(box.dir), git: new GitCli(box.dir), docker: new DockerCli(), http: httpProbe, log });
        const running = (await real.targetOf(await real.openStack(STACKS.production))).images;
        // n8n with its server replaced by sleep: it starts and its healthcheck never passes.
        const broken = box.derivedImage(running.n8n, "broken-healthcheck", ['ENTRYPOINT ["sh", "-c", "sleep infinity"]', "CMD []"]);
        // Staging stays healthy on its images; the versions handed to production are production's own
        // but a broken n8n, so the update changes n8n alone.
        const ops = Object.assign(Object.create(real), {
            targetOf: async (stack: { name: string }) => {
                const t = await real.targetOf(stack as never);
                return stack.name === STACKS.staging ? { ...t, images: { ...running, n8n: broken } } : t;
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
        assert.notStrictEqual(imageId(box, "container", prod(box).containerOf(STACKS.production, "n8n")), imageId(box, "image", broken), "n8n runs the good image again");
    });

    it("rollback --tag redeploys a point with its data", async () => {
        psql("n8n", "DELETE FROM e2e_marker");
        psql("letta", "DELETE FROM e2e_marker");
        await neo4j("MATCH (m:E2eMarker) DELETE m");
        assert.strictEqual(await box.pa("rollback", "--tag", brokenPoint, "--with-data", "--yes"), EXIT.ok);
        await assertMarkers();
    });

    it("rollback --emergency returns to the last validated point, also when a container was removed", async () => {
        prod(box).docker("rm", "-f", prod(box).containerOf(STACKS.production, "letta"));
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
