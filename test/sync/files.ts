// The apps' data volumes the files tests run against (created by test/sync/run.sh, each used by a
// created, never started, container of the app's image, as on a real host), and helpers to plant files
// in them and read them back through helper containers.
import { spawnSync } from "child_process";
import { PEOPLE } from "./dataset";
import { testImage } from "../support/images";

const pid = process.env.PA_SYNCTEST_FILES_ID ?? "local";
export const VOLUMES = {
    production: { n8n: `pa-synctest-production-n8n-data-${pid}`, openWebui: `pa-synctest-production-open-webui-data-${pid}` },
    staging: { n8n: `pa-synctest-staging-n8n-data-${pid}`, openWebui: `pa-synctest-staging-open-webui-data-${pid}` },
};
export const FILES_ENV = {
    PA_SYNC_PRODUCTION_N8N_VOLUME: VOLUMES.production.n8n,
    PA_SYNC_STAGING_N8N_VOLUME: VOLUMES.staging.n8n,
    PA_SYNC_PRODUCTION_OPEN_WEBUI_VOLUME: VOLUMES.production.openWebui,
    PA_SYNC_STAGING_OPEN_WEBUI_VOLUME: VOLUMES.staging.openWebui,
};
const TOOL_IMAGE = process.env.PA_SYNCTEST_COPIER_IMAGE ?? testImage("n8n");

/** Runs a shell script as root with the volume at /x; returns stdout. */
export function onVolume(volume: string, script: string): string {
    const result = spawnSync("docker", ["run", "--rm", "-i", "--user", "0", "--network", "none", "--entrypoint", "sh", "-v", `${volume}:/x`, TOOL_IMAGE, "-c", script], {
        encoding: "utf8",
        maxBuffer: 1 << 28,
    });
    if (result.status !== 0) throw new Error(`script on ${volume} failed: ${result.stderr}`);
    return result.stdout;
}

/** Empties the volume and writes the files (path -> content), owned by `owner` (uid:gid). */
export function writeVolume(volume: string, files: Record<string, string | Buffer>, owner = "0:0", extra = ""): void {
    const lines = ["set -e", "cd /x", "find . -mindepth 1 -delete"];
    for (const [path, content] of Object.entries(files)) {
        const b64 = Buffer.from(content).toString("base64");
        lines.push(`mkdir -p "$(dirname '${path}')"`, `printf '%s' '${b64}' | base64 -d > '${path}'`);
    }
    lines.push(`chown -R ${owner} /x`, extra);
    onVolume(volume, lines.join("\n"));
}

/** Every path (with mode and owner) and every file's checksum, outside the sync's own leftovers. */
export function fingerprint(volume: string, under = "."): string {
    return onVolume(volume, `cd /x && if [ -e '${under}' ]; then find '${under}' -path './.pa-sync-*' -prune -o -printf '%p %m %U:%G\\n' | sort; find '${under}' -path './.pa-sync-*' -prune -o -type f -exec sha256sum {} + | sort; fi`);
}

/** Path and checksum of every file of the synced directories. */
export function checksums(volume: string, dirs: string[]): string {
    return dirs.map((d) => fingerprint(volume, `./${d}`)).join("");
}

/** Names of the volume's files and directories, and every file's content, as one text. */
export function everything(volume: string): string {
    return onVolume(volume, "cd /x && find . && find . -type f -exec cat {} +");
}

export function leftovers(volume: string): string {
    return onVolume(volume, "cd /x && ls -d .pa-sync-* 2>/dev/null || true").trim();
}

/** A small PNG whose tEXt metadata names a person (it has NUL bytes, so it is opaque). */
function png(text: string): Buffer {
    const chunk = (type: string, data: Buffer) => {
        const length = Buffer.alloc(4);
        length.writeUInt32BE(data.length);
        return Buffer.concat([length, Buffer.from(type, "ascii"), data, Buffer.alloc(4)]);
    };
    const header = Buffer.alloc(13);
    header.writeUInt32BE(1, 0);
    header.writeUInt32BE(1, 4);
    header[8] = 8;
    return Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), chunk("IHDR", header), chunk("tEXt", Buffer.from(`Author\0${text}`, "latin1")), chunk("IEND", Buffer.alloc(0))]);
}

const [alice, bruno, chiara, dmitri] = PEOPLE;
export const N8N_EXECUTION = "binaryData/workflows/wf1/executions/7/binary_data";
export const UPLOAD_ID = "0b3f7c1e-5d2a-4c1b-9e8f-1a2b3c4d5e6f";
/** Open WebUI stores an upload as uploads/<id>_<original name>, and that path in file.path. */
export const UPLOAD_NAME = `${UPLOAD_ID}_notes ${alice.first} ${alice.last}.txt`;
export const PRODUCTION_N8N_CONFIG = JSON.stringify({ encryptionKey: "production-n8n-encryption-key-5f2c" });
export const STAGING_N8N_CONFIG = JSON.stringify({ encryptionKey: "staging-n8n-encryption-key-91ab" });

/** Production's files: PII in text, JSON, an n8n binary, names in file names, a PNG with metadata, a vector store. */
export function fillProductionFiles(): void {
    writeVolume(VOLUMES.production.n8n, {
        config: PRODUCTION_N8N_CONFIG,
        [`${N8N_EXECUTION}/5e0c9a1d`]: `Invoice for ${alice.first} ${alice.last}, call ${alice.phone} or write to ${alice.email}.\n`,
        [`${N8N_EXECUTION}/5e0c9a1d.metadata`]: JSON.stringify({ fileName: `${alice.last} invoice.txt`, mimeType: "text/plain", fileSize: 80 }),
        [`${N8N_EXECUTION}/77aa.png`]: png(`${bruno.first} ${bruno.last} <${bruno.email}>`),
        "storage/workflows/wf2/note.md": `# From ${chiara.first}\nReach ${chiara.email}, ${chiara.phone}\n`,
        "nodes/package.json": `{"name": "installed-nodes", "author": "${dmitri.email}"}`,
    }, "1000:1000", `head -c 96M /dev/urandom > '${N8N_EXECUTION}/large.bin' && chown 1000:1000 '${N8N_EXECUTION}/large.bin'`);
    writeVolume(VOLUMES.production.openWebui, {
        [`uploads/${UPLOAD_NAME}`]: `Call ${bruno.first} ${bruno.last} at ${bruno.phone}, email ${bruno.email}.\n`,
        [`uploads/1c2d_contacts.json`]: JSON.stringify({ contacts: [{ name: `${chiara.first} ${chiara.last}`, email: chiara.email, phone: chiara.phone }, { note: `escaped ${dmitri.email.replace("@", "\\u0040")}` }] }, null, 2).replace(/\\\\u0040/g, "\\u0040"),
        [`uploads/9f9f_photo.png`]: png(`${dmitri.first} ${dmitri.last} ${dmitri.email}`),
        "vector_db/chroma.sqlite3": Buffer.concat([Buffer.from("SQLite format 3\0", "latin1"), Buffer.from(`chunk: ${alice.first} ${alice.last} ${alice.email} ${alice.phone}`)]),
        "vector_db/2f6e/data_level0.bin": Buffer.from([0, 1, 2, 3, 0, 0]),
        "cache/embedding/models/readme.txt": `cached for ${alice.email}`,
    });
}

/** Staging's own files before any sync: its own n8n key, old uploads, its own cache. */
export function fillStagingFiles(): void {
    writeVolume(VOLUMES.staging.n8n, { config: STAGING_N8N_CONFIG, "binaryData/old/file": "old staging binary\n" }, "1000:1000");
    writeVolume(VOLUMES.staging.openWebui, { "uploads/old.txt": "old staging upload\n", "vector_db/old.sqlite3": "old\n", "cache/staging.txt": "staging cache\n" });
}
