// The files part against real Docker volumes: a laptop sync leaves no planted value in any file (or
// file name) of staging's volumes, replaces opaque files by placeholders at the same paths, leaves the
// vector store empty and n8n's key alone; a file the sanitizer cannot clean fails the sync with staging
// untouched; a server sync copies byte for byte; a sync killed during the copy leaves staging's files
// as they were, and the next one cleans up after it.
import * as assert from "assert";
import { EXIT } from "../../platform/exitCodes";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PEOPLE, plantedValues } from "./dataset";
import { REPO, SYNC_KEY, fillProduction, resetDatabases, runCli, sql, startCli, STAGING, PRODUCTION } from "./env";
import {
    FILES_ENV, N8N_EXECUTION, STAGING_N8N_CONFIG, UPLOAD_ID, UPLOAD_NAME, VOLUMES, checksums, everything, fillProductionFiles, fillStagingFiles, fingerprint, leftovers, onVolume,
} from "./files";
import { sanitizedEmail } from "../../sync/session-sql";

const LOG_DIR = path.join(REPO, "logs/staging-test");
const N8N_DIRS = ["binaryData", "storage"];
const OPEN_WEBUI_DIRS = ["uploads", "vector_db"];
const SERVER = { ...FILES_ENV, PA_SYNC_SANITIZE: "false" };

function stagingFingerprint(): string {
    return fingerprint(VOLUMES.staging.n8n) + fingerprint(VOLUMES.staging.openWebui);
}

function syncContainers(): string {
    return spawnSync("docker", ["ps", "-a", "--filter", "label=pa.sync.run", "-q"], { encoding: "utf8" }).stdout.trim();
}

describe("production -> staging files sync (real Docker volumes)", function () {
    this.timeout(300_000);

    before(() => {
        fillProduction({ rows: 100 });
        resetDatabases(STAGING);
        // Open WebUI's row of the upload: the Postgres part sanitizes its path like the file's name.
        sql(PRODUCTION, "openwebui", `INSERT INTO file (id, user_id, filename, path) VALUES ('${UPLOAD_ID}', 'u0', 'notes.txt', '/app/backend/data/uploads/${UPLOAD_NAME}');`);
        fillProductionFiles();
        fillStagingFiles();
    });

    it("a laptop sync (all parts by default) leaves no planted value in any file or name of staging's volumes", async () => {
        const n8nConfig = onVolume(VOLUMES.staging.n8n, "sha256sum /x/config");
        const run = await runCli(["--json"], FILES_ENV);
        assert.strictEqual(run.code, 0, run.stderr + run.stdout);
        const summary = JSON.parse(run.stdout.trim().split("\n").pop()!);
        assert.ok(summary.rows > 0, "the Postgres part ran too");
        const files = summary.files;
        // Placeholders: the n8n PNG and large binary, the uploaded PNG.
        assert.strictEqual(files.placeholders, 3);
        assert.strictEqual(files.reindex, true);
        assert.strictEqual(files.notCopied, 2);

        const staging = everything(VOLUMES.staging.n8n) + everything(VOLUMES.staging.openWebui);
        const logs = fs.readdirSync(LOG_DIR).map((f) => fs.readFileSync(path.join(LOG_DIR, f), "utf8")).join("\n");
        assert.deepStrictEqual(plantedValues().filter((value) => staging.includes(value) || logs.includes(value) || run.stdout.includes(value) || run.stderr.includes(value)), []);
        assert.ok(!staging.includes("production-n8n-encryption-key"), "production's n8n key reached staging");
        assert.ok(!staging.includes("installed-nodes"), "a file outside the synced directories was copied");

        // Text sanitized with the Postgres side's pseudonyms; names in file names too, as in file.path.
        const bruno = PEOPLE[1];
        const uploaded = onVolume(VOLUMES.staging.openWebui, `cat "/x/uploads/${UPLOAD_ID}_notes Test User.txt"`);
        assert.strictEqual(uploaded, `Call Test User at 555-0123, email ${sanitizedEmail(SYNC_KEY, bruno.email)}.\n`);
        const stagedPath = sql(STAGING, "openwebui", `SELECT path FROM file WHERE id = '${UPLOAD_ID}';`).trim();
        assert.strictEqual(onVolume(VOLUMES.staging.openWebui, `test -f "/x${stagedPath.slice("/app/backend/data".length)}" && echo ok`).trim(), "ok", `the row's path ${stagedPath} is not a file`);
        // Opaque files: placeholders at the same paths, owned as before (n8n runs as uid 1000).
        assert.match(onVolume(VOLUMES.staging.openWebui, "cat /x/uploads/9f9f_photo.png"), /^pa-sync placeholder/);
        assert.strictEqual(onVolume(VOLUMES.staging.n8n, `stat -c '%u:%g' '/x/${N8N_EXECUTION}/large.bin' && head -c 20 '/x/${N8N_EXECUTION}/large.bin'`), "1000:1000\npa-sync placeholder:");
        // The vector store is empty; staging's n8n key and Open WebUI cache are its own, untouched; old files gone.
        assert.strictEqual(onVolume(VOLUMES.staging.openWebui, "ls -A /x/vector_db | wc -l").trim(), "0");
        assert.strictEqual(onVolume(VOLUMES.staging.n8n, "sha256sum /x/config"), n8nConfig);
        assert.strictEqual(onVolume(VOLUMES.staging.n8n, "cat /x/config"), STAGING_N8N_CONFIG);
        assert.strictEqual(onVolume(VOLUMES.staging.openWebui, "cat /x/cache/staging.txt; test ! -e /x/uploads/old.txt && test ! -e /x/cache/embedding && echo clean"), "staging cache\nclean\n");
        assert.strictEqual(leftovers(VOLUMES.staging.n8n) + leftovers(VOLUMES.staging.openWebui), "");
        assert.strictEqual(syncContainers(), "", "helper containers left behind");
    });

    it("fails closed when a text file still looks personal after sanitizing, leaving staging's files as they were", async () => {
        // With only US formats to rewrite, a German national number is left by the sanitizer; the scan
        // knows the default regions too and stops the sync.
        onVolume(VOLUMES.production.openWebui, "printf 'ref 030 1234567\\n' > /x/uploads/ab_ref.txt");
        const before = stagingFingerprint();
        try {
            const run = await runCli(["--json", "--parts", "files"], { ...FILES_ENV, PA_SYNC_PHONE_REGIONS: "US" });
            assert.strictEqual(run.code, EXIT.personalData, run.stderr + run.stdout);
            assert.deepStrictEqual(JSON.parse(run.stdout.trim().split("\n").pop()!).leaks, [{ app: "openWebui", dir: "uploads", count: 1 }]);
            assert.ok(!(run.stdout + run.stderr).includes("1234567"));
            assert.strictEqual(stagingFingerprint(), before, "staging changed");
            assert.strictEqual(leftovers(VOLUMES.staging.n8n) + leftovers(VOLUMES.staging.openWebui), "");
        } finally {
            onVolume(VOLUMES.production.openWebui, "rm /x/uploads/ab_ref.txt");
        }
    });

    it("a server sync copies the directories byte for byte and nothing else", async () => {
        const run = await runCli(["--json", "--parts", "files"], SERVER);
        assert.strictEqual(run.code, 0, run.stderr + run.stdout);
        assert.strictEqual(JSON.parse(run.stdout.trim().split("\n").pop()!).files.placeholders, 0);
        assert.strictEqual(checksums(VOLUMES.staging.n8n, N8N_DIRS), checksums(VOLUMES.production.n8n, N8N_DIRS));
        assert.strictEqual(checksums(VOLUMES.staging.openWebui, OPEN_WEBUI_DIRS), checksums(VOLUMES.production.openWebui, OPEN_WEBUI_DIRS));
        assert.strictEqual(onVolume(VOLUMES.staging.n8n, "cat /x/config; test ! -e /x/nodes && echo clean"), STAGING_N8N_CONFIG + "clean\n");
        assert.strictEqual(onVolume(VOLUMES.staging.openWebui, "cat /x/cache/staging.txt"), "staging cache\n");
    });

    it("a sync killed during the file copy leaves staging's files as they were; the next one cleans up and copies", async () => {
        // Production moves on, so a sync that went through would change staging.
        onVolume(VOLUMES.production.n8n, `head -c 64M /dev/urandom > '/x/${N8N_EXECUTION}/large.bin' && echo new > /x/storage/new.txt`);
        const before = stagingFingerprint();
        const child = startCli(["--parts", "files"], { ...SERVER, DEBUG: "true" });
        let seen = "";
        child.stdout.on("data", (c: Buffer) => (seen += c.toString()));
        const closed = new Promise((resolve) => child.on("close", resolve));
        // Killed once n8n's archiver and receiver both run: the copy is under way.
        const running = (volume: string) => spawnSync("docker", ["ps", "--filter", "label=pa.sync.run", "--filter", `volume=${volume}`, "-q"], { encoding: "utf8" }).stdout.trim() !== "";
        const deadline = Date.now() + 60_000;
        while (!(running(VOLUMES.production.n8n) && running(VOLUMES.staging.n8n))) {
            assert.ok(Date.now() < deadline && child.exitCode === null, `the copy never started: ${seen}`);
            await new Promise((r) => setTimeout(r, 50));
        }
        child.kill("SIGKILL");
        await closed;
        assert.ok(!seen.includes("swap:"), "the sync reached the swap before the kill");
        while (syncContainers() !== "") await new Promise((r) => setTimeout(r, 200));
        assert.strictEqual(stagingFingerprint(), before, "staging's files changed");

        const run = await runCli(["--parts", "files"], SERVER);
        assert.strictEqual(run.code, 0, run.stderr);
        assert.match(run.stdout, /removed \.pa-sync-incoming-/);
        assert.strictEqual(leftovers(VOLUMES.staging.n8n) + leftovers(VOLUMES.staging.openWebui), "");
        assert.strictEqual(checksums(VOLUMES.staging.n8n, N8N_DIRS), checksums(VOLUMES.production.n8n, N8N_DIRS));
    });
});
