// Backups with real restic against real containers: a generated dataset backed up while a writer keeps
// inserting, proven by the restore drill, restored without destroying first, a corrupted repository
// caught by verify, a full disk during a backup, a file over 2 GiB, and the retention policy.
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import { applyRetention, BackupDeps, BackupError, copyToOffsite, findBackup, listBackups, restoreFromBackup, takeBackup, verifyBackup, verifyOffsite } from "../../cli/backup/backups";
import { DockerCli } from "../../platform/dockerClient";
import { Target } from "../../cli/stacks/target";
import { OffsiteRepository } from "../../config/schema";
import { docker } from "../support/docker";
import { testImage } from "../support/images";
import {
    BackupStack,
    PREFIX,
    containerOf,
    contentDigest,
    generateDataset,
    neo4j,
    psql,
    removeBackupStack,
    rowCounts,
    startBackupStack,
    startWriter,
    volumeDigest,
    volumeOf,
    volumeTally,
} from "./fixture";

const lines: string[] = [];
const deps = (now?: Date): BackupDeps => ({ docker: new DockerCli(), say: (l) => lines.push(l), now: () => now ?? new Date() });
const graphCounts = () => {
    const out = JSON.parse(neo4j("MATCH (n) WITH count(n) AS n MATCH ()-[r]->() RETURN n, count(r)")) as { results: { data: { row: number[] }[] }[] };
    return out.results[0].data[0].row;
};
const dbs = ["letta", "openwebui", "n8n"];

describe("backups with restic on real containers", function () {
    let stack: BackupStack;
    let target: Target;

    before(function () {
        this.timeout(600_000);
        stack = startBackupStack();
        target = stack.target;
        generateDataset();
    });

    after(() => {
        if (process.env.PA_BKTEST_KEEP !== "true") removeBackupStack();
    });

    it("backs up a live production: counts are the dump's own, nothing is written where pa runs, Neo4j is thawed", async () => {
        const cwdBefore = fs.readdirSync(process.cwd()).sort();
        const writer = startWriter();
        let manifest;
        try {
            await new Promise((r) => setTimeout(r, 1500));
            manifest = await takeBackup(target, deps(), { reason: "manual" });
        } finally {
            await writer.stop();
        }
        assert.deepStrictEqual(fs.readdirSync(process.cwd()).sort(), cwdBefore, "nothing is written into the checkout");
        assert.deepStrictEqual(manifest.databases.openwebui, rowCounts("openwebui"));
        assert.deepStrictEqual(manifest.databases.n8n, rowCounts("n8n"));
        assert.strictEqual(manifest.databases.openwebui["public.chat"], 2000);
        assert.strictEqual(manifest.databases.n8n["public.execution_data"], 2000);
        assert.ok(manifest.databases.letta["letta.messages"] >= 4000, "the writer's rows up to the dump's snapshot are counted");
        assert.deepStrictEqual(manifest.neo4j, { nodes: 200, relationships: 199 });
        assert.deepStrictEqual({ files: manifest.volumes["openWebui-data"].files, bytes: manifest.volumes["openWebui-data"].bytes }, volumeTally(volumeOf("openWebui")));
        assert.strictEqual(docker("inspect", "-f", "{{.State.Paused}}", containerOf("neo4j")), "false");
        const backups = await listBackups(target, deps());
        assert.strictEqual(backups.length, 1);
        assert.ok(backups[0].complete);
        assert.deepStrictEqual(Object.keys(backups[0].parts).sort(), ["globals", "manifest", "postgres:letta", "postgres:n8n", "postgres:openwebui", "volumes"]);
        const leftovers = docker("ps", "-a", "--filter", "name=backup-", "--format", "{{.Names}}") + docker("volume", "ls", "--filter", "name=backup-", "--format", "{{.Name}}");
        assert.strictEqual(leftovers, "", "no runner, copier or scratch volume is left");
    });

    it("the restore drill proves the backup in scratch containers, whatever the writer added meanwhile", async function () {
        this.timeout(900_000);
        const report = await verifyBackup(target, deps(), "latest", 100);
        assert.ok(report.ok, JSON.stringify(report, null, 2));
        const whats = report.drill.map((f) => f.what);
        for (const db of dbs) assert.ok(whats.includes(`postgres ${db}: every table's rows`), whats.join("\n"));
        assert.ok(whats.includes("postgres letta: vector extension") && whats.includes("postgres letta: search_path"));
        assert.ok(whats.includes("neo4j: the restored store opens with the manifest's counts"));
        assert.ok(whats.includes("volume openWebui-data: files and bytes") && whats.includes("volume n8n-data: files and bytes"));
        assert.strictEqual(docker("ps", "-a", "--filter", "name=drill", "--format", "{{.Names}}"), "", "scratch containers are removed");
    });

    it("restores every database and volume to the backup's content, swapping in only after the copies match", async () => {
        // A fresh backup of a quiet production is the reference.
        await takeBackup(target, deps(), { reason: "manual" });
        const expected = { db: Object.fromEntries(dbs.map((d) => [d, contentDigest(d)])), owui: volumeDigest(volumeOf("openWebui")), n8n: volumeDigest(volumeOf("n8n")), graph: graphCounts() };
        psql("letta", "DELETE FROM letta.passages WHERE id % 2 = 0; DROP TABLE letta.messages;");
        psql("openwebui", "UPDATE chat SET title = 'changed'; CREATE TABLE extra (a int);");
        docker("run", "--rm", "-v", `${volumeOf("openWebui")}:/v`, "--entrypoint", "sh", target.images.postgres, "-c", "rm -rf /v/uploads/a; echo new > /v/new-file");
        const backup = await findBackup(target, deps(), "latest");
        const report = await restoreFromBackup(target, deps(), backup, ["postgres", "openWebui", "n8n"]);
        assert.deepStrictEqual(report.databases.sort(), [...dbs].sort());
        assert.ok(report.findings.every((f) => f.ok), JSON.stringify(report.findings));
        for (const d of dbs) assert.strictEqual(contentDigest(d), expected.db[d], `${d} equals the backup`);
        assert.strictEqual(volumeDigest(volumeOf("openWebui")), expected.owui);
        assert.strictEqual(volumeDigest(volumeOf("n8n")), expected.n8n);
        assert.strictEqual(psql("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE '%_pa_restore' OR datname LIKE '%_pa_previous'"), "0");
        assert.strictEqual(psql("letta", "SELECT current_setting('search_path')"), "letta");
        assert.deepStrictEqual(graphCounts(), expected.graph);
    });

    it("a restore that cannot complete leaves the live data as it was", async () => {
        psql("openwebui", "INSERT INTO chat (id, title) VALUES ('live-only', 'written after the backup')");
        const before = contentDigest("openwebui");
        const backup = await findBackup(target, deps(), "latest");
        // The dump this restore needs disappears from the repository: restic dump fails midway.
        const broken = { ...backup, parts: { ...backup.parts, "postgres:openwebui": "0".repeat(64) } };
        await assert.rejects(restoreFromBackup(target, deps(), broken, ["openWebui"]), BackupError);
        assert.strictEqual(contentDigest("openwebui"), before);
        assert.strictEqual(psql("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE '%_pa_restore'"), "0");
        const dirs = docker("run", "--rm", "-v", `${volumeOf("openWebui")}:/v:ro`, "--entrypoint", "sh", target.images.postgres, "-c", "ls -A /v | grep '^.pa-' || true");
        assert.strictEqual(dirs, "", "no restore folder is left in the volume");
    });

    it("a file over 2 GiB is backed up and restored by the drill with its exact size", async function () {
        this.timeout(900_000);
        docker("run", "--rm", "-v", `${volumeOf("n8n")}:/v`, "--entrypoint", "sh", target.images.postgres, "-c", "truncate -s 2200M /v/big.bin && printf end >> /v/big.bin");
        try {
            const manifest = await takeBackup(target, deps(), { reason: "manual" });
            assert.strictEqual(manifest.volumes["n8n-data"].bytes, volumeTally(volumeOf("n8n")).bytes);
            assert.ok(manifest.volumes["n8n-data"].bytes > 2 * 1024 ** 3);
            const report = await verifyBackup(target, deps(), manifest.id, 5);
            assert.ok(report.ok, JSON.stringify(report.drill.filter((f) => !f.ok)));
        } finally {
            docker("run", "--rm", "-v", `${volumeOf("n8n")}:/v`, "--entrypoint", "rm", target.images.postgres, "-f", "/v/big.bin");
        }
    });

    it("verify fails loudly when a pack file of the repository is corrupted", async () => {
        const place = docker("volume", "inspect", "-f", "{{.Mountpoint}}", stack.repository);
        const packs = docker("run", "--rm", "-v", `${stack.repository}:/repo`, "--entrypoint", "sh", target.images.postgres, "-c", "find /repo/data -type f -size +1k | head -n 3").split("\n").filter(Boolean);
        assert.ok(packs.length > 0 && place);
        docker("run", "--rm", "-v", `${stack.repository}:/repo`, "--entrypoint", "sh", target.images.postgres, "-c", `for f in ${packs.join(" ")}; do printf 'CORRUPTED' | dd of=$f bs=1 seek=200 conv=notrunc 2>/dev/null; done`);
        const report = await verifyBackup(target, deps(), "latest", 100);
        assert.strictEqual(report.ok, false);
        assert.strictEqual(report.check.ok, false, report.check.detail);
        assert.match(report.check.detail, /pack|hash|does not match|error/i);
    });

    it("a repository disk with almost no space refuses the backup before it starts, naming what is free and needed", async () => {
        const tiny = `${PREFIX}-tiny-repo`;
        docker("volume", "create", "--driver", "local", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=size=3m", tiny);
        const full: Target = { ...target, backup: { ...target.backup!, repository: tiny } };
        await assert.rejects(takeBackup(full, deps(), { reason: "manual" }), (error: Error) => error instanceof BackupError && /no space left for a backup: the repository's disk has \d+ MiB free, a backup needs at least 64 MiB and up to \d+ MiB/.test(error.message));
        assert.strictEqual(docker("inspect", "-f", "{{.State.Status}} {{.State.Paused}}", containerOf("neo4j")), "running false");
    });

    it("a disk that fills up during a backup fails it, leaves production running and thawed, and no complete backup is listed", async function () {
        this.timeout(600_000);
        const small = `${PREFIX}-small-repo`;
        docker("volume", "create", "--driver", "local", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=size=80m", small);
        // 120 MB that neither compress nor deduplicate: more than the disk holds.
        docker("run", "--rm", "-v", `${volumeOf("n8n")}:/v`, "--entrypoint", "sh", target.images.postgres, "-c", "head -c 120000000 /dev/urandom > /v/incompressible.bin");
        const full: Target = { ...target, backup: { ...target.backup!, repository: small } };
        const said: string[] = [];
        try {
            await assert.rejects(takeBackup(full, { ...deps(), say: (l) => said.push(l) }, { reason: "manual" }), (error: Error) => error instanceof BackupError && /no space left on device/i.test(error.message));
        } finally {
            docker("run", "--rm", "-v", `${volumeOf("n8n")}:/v`, "--entrypoint", "rm", target.images.postgres, "-f", "/v/incompressible.bin");
        }
        assert.ok(said.some((l) => /free on the repository's disk.*WARNING/.test(l)), said.join("\n"));
        assert.strictEqual(docker("inspect", "-f", "{{.State.Status}} {{.State.Paused}}", containerOf("neo4j")), "running false");
        assert.strictEqual(docker("inspect", "-f", "{{.State.Status}}", containerOf("postgres")), "running");
        assert.strictEqual(psql("letta", "SELECT 1"), "1");
        const listed = await listBackups(full, deps()).catch(() => []);
        assert.strictEqual(listed.filter((b) => b.complete).length, 0);
    });

    it("retention keeps what the policy says, the newest, and the backups of kept rollback points", async function () {
        this.timeout(900_000);
        const repo = `${PREFIX}-retention-repo`;
        const t: Target = { ...target, backup: { ...target.backup!, repository: repo, keepDaily: 2, keepWeekly: 1, keepMonthly: 0 } };
        const days = ["2026-10-01T03:00:00Z", "2026-10-20T03:00:00Z", "2026-11-27T03:00:00Z", "2026-11-28T03:00:00Z", "2026-11-29T03:00:00Z", "2026-11-29T15:00:00Z"];
        const ids: string[] = [];
        for (const [i, day] of days.entries()) ids.push((await takeBackup(t, deps(new Date(day)), { reason: "scheduled", point: i === 0 ? "rollback-20261001-030000" : undefined })).id);
        const report = await applyRetention(t, deps(new Date("2026-11-30T00:00:00Z")), ["rollback-20261001-030000"]);
        // keep-daily 2: Nov 29 (15:00, newest of that day) and Nov 28; keep-weekly 1: the newest of this week (the same Nov 29);
        // keep-last 1: Nov 29 15:00; the point's backup of Oct 1 stays. Oct 20, Nov 27 and Nov 29 03:00 go.
        assert.deepStrictEqual(report.kept.sort(), [ids[0], ids[3], ids[5]].sort());
        assert.deepStrictEqual(report.removed.sort(), [ids[1], ids[2], ids[4]].sort());
        assert.deepStrictEqual(report.pointsLosingData, []);
        assert.deepStrictEqual((await listBackups(t, deps())).map((b) => b.id).sort(), [ids[0], ids[3], ids[5]].sort());
        const noPoint = await applyRetention(t, deps(new Date("2026-11-30T00:00:00Z")), []);
        assert.deepStrictEqual(noPoint.pointsLosingData, ["rollback-20261001-030000"]);
    });

    it("copies every backup to an off-site repository (restic's REST protocol) and keeps it under the same retention; an unreachable one fails loudly, the local backup stays", async function () {
        this.timeout(900_000);
        const pass = crypto.randomBytes(12).toString("hex");
        const server = `${PREFIX}-offsite`;
        docker("run", "-d", "--name", server, "--network", `${PREFIX}-net`, "--network-alias", "offsite", "--label", "pa.stack=bktest", testImage("rclone"), "serve", "restic", "/data", "--addr", ":8080", "--user", "pa", "--pass", pass);
        const nas = { name: "nas", url: "rest:http://offsite:8080/", env: { RESTIC_REST_USERNAME: "pa", RESTIC_REST_PASSWORD: pass } };
        // The stack's repository had a pack file corrupted above: restic copy reads every blob it sends, so the corruption does not travel.
        const corrupted = await copyToOffsite({ ...target, backup: { ...target.backup!, offsiteNetwork: `${PREFIX}-net`, offsite: [nas] } }, deps());
        assert.strictEqual(corrupted[0].ok, false);
        assert.match(corrupted[0].detail, /ciphertext verification failed/);
        // One daily, no weekly or monthly: of today's two backups the retention keeps the newest alone
        // (with more days to keep, restic also keeps the oldest while the days are not all filled).
        const t: Target = { ...target, backup: { ...target.backup!, keepDaily: 1, keepWeekly: 0, keepMonthly: 0, repository: `${PREFIX}-offsite-source`, offsiteNetwork: `${PREFIX}-net`, offsite: [{ ...nas, url: "rest:http://offsite:8080/clean" }] } };
        for (let i = 0; i < 2; i++) await takeBackup(t, deps(), { reason: "manual" });
        lines.length = 0;
        const first = await copyToOffsite(t, deps());
        assert.deepStrictEqual(first.map((c) => [c.name, c.ok]), [["nas", true]], JSON.stringify(first));
        const clean = t.backup!.offsite![0];
        const complete = async (repo?: OffsiteRepository) => (await listBackups(t, deps(), repo)).filter((b) => b.complete).map((b) => b.id);
        const local = await complete();
        assert.strictEqual(local.length, 2);
        assert.deepStrictEqual(await complete(clean), local, "every complete backup is off-site");
        const again = await copyToOffsite(t, deps());
        assert.match(again[0].detail, /^0 snapshot\(s\) copied/, "a second copy sends nothing already there");

        // What `verify` adds to its drill for each off-site repository (the drill itself is proven above).
        const offsiteFindings = await verifyOffsite(t, deps(), await findBackup(t, deps(), "latest"), 100);
        assert.deepStrictEqual(offsiteFindings.map((f) => [f.what, f.ok]), [[`off-site nas: holds ${local[local.length - 1]} whole`, true], ["off-site nas: restic check, 100% read back", true]], JSON.stringify(offsiteFindings));

        const retention = await applyRetention(t, deps(), []);
        assert.deepStrictEqual(retention.offsite.map((o) => [o.name, o.ok]), [["nas", true]], JSON.stringify(retention.offsite));
        assert.deepStrictEqual(await complete(clean), await complete(), "the same policy leaves the same backups off-site");
        assert.strictEqual((await complete()).length, 1, "one of today's two backups stays");

        docker("rm", "-f", server);
        const down = await copyToOffsite(t, deps());
        assert.strictEqual(down[0].ok, false);
        assert.match(down[0].detail, /cannot reach the repository/);
        assert.ok((await complete()).length >= 1, "the stack's own backups are untouched");
        assert.ok(!lines.join("\n").includes(pass) && !JSON.stringify(down).includes(pass), "the off-site password is in no message");
    });
});

