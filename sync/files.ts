// The apps' files (n8n's binary data, Open WebUI's uploads and vector store) into staging. Both sides
// are reached by their Docker volumes' names, in one-off helper containers, so production may be on
// another Docker host: an archiver on production's host (Node from production's n8n image) writes a tar
// stream of the synced directories, which the CLI pipes into a container on staging's host that
// unpacks it into a fresh directory of staging's volume. Nothing else of a volume is read or written
// (n8n's `config` holds its encryption key; staging keeps its own). On a laptop the archiver sanitizes
// and scans text files and replaces every other file by a placeholder before anything leaves
// production's host (sync/files-archiver.ts). The copy is verified (files and bytes per directory)
// before the swap, which renames directories while staging's apps are stopped and keeps the live ones
// aside until every part of the sync is swapped in.
import { FILE_SYNC_DIRS, FileSyncApp, SANITIZED_EMPTY_DIRS, syncKeyMountArgs } from "../model/sync";
import { DockerSide, docker, dockerProcess, scratchLabels } from "./docker";
import { ARCHIVE_REPORT_PREFIX, ArchiveDirReport, ArchiveSettings } from "./files-archiver";
import { sidecarProgram } from "./sidecars/program";
import { TextSettings } from "./text";
import { Logger } from "../platform/log";
import { pipeProcesses } from "./stream";
import { PreparedPart } from "./part";

/** One app's data volume on each side. */
export interface FileVolumes {
    app: FileSyncApp;
    production: string;
    staging: string;
}

export interface FilesSyncOptions {
    production: Pick<DockerSide, "host">;
    staging: Pick<DockerSide, "host">;
    volumes: FileVolumes[];
    /** An image with Node.js on production's host, for the archiver. */
    archiverImage: string;
    /** An image with sh and tar on staging's host; by default the image of a container that uses each staging volume. */
    stagingImage?: string;
    /** The sanitizer's settings; without them (server profile) the files are copied byte for byte. */
    text?: TextSettings;
}

export interface FilesAppResult {
    app: FileSyncApp;
    dirs: ArchiveDirReport[];
    /** Bytes of the tar stream that travelled to staging. */
    bytes: number;
    seconds: number;
}

export interface FilesResult {
    apps: FilesAppResult[];
    files: number;
    bytes: number;
    placeholders: number;
    /** Files of directories left empty on a laptop (Open WebUI's vector store). */
    notCopied: number;
    /** Staging's vector store was left empty: Open WebUI must re-index. */
    reindex: boolean;
    seconds: number;
}

export interface FilesLeak {
    app: FileSyncApp;
    dir: string;
    count: number;
}

/** Files that still look personal after sanitizing: where and how many, never names or content. */
export class FilesLeakFound extends Error {
    constructor(readonly leaks: FilesLeak[]) {
        super("personal data left in files after sanitizing (nothing was copied):\n" + leaks.map((l) => `  files: ${l.app} ${l.dir}/: ${l.count} file(s)`).join("\n"));
        this.name = "FilesLeakFound";
    }
}

/** A verified copy of every volume's directories, next to the live ones in staging's volumes. */
export interface PreparedFiles extends PreparedPart {
    result: FilesResult;
}

/** Text files above this size are replaced by placeholders on a laptop: the name search is too slow on them. */
export const TEXT_MAX_BYTES = 4 * 1024 * 1024;
/** A run of this many base64 characters in a text file is an encoded blob (a data: URL, an attachment). */
export const ENCODED_RUN_LENGTH = 256;
export const PLACEHOLDER =
    "pa-sync placeholder: this file was not copied to this staging environment. Its content is not text the\n" +
    "sync can sanitize (e.g. a PDF or an image), so it could hold personal data. Original size: {size} bytes.\n";

const INCOMING = ".pa-sync-incoming-";
const PREVIOUS = ".pa-sync-previous-";
const DONE = ".pa-sync-done-";

const SAFE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** The image of a container that uses the volume (the app's own image), whatever the container is called. */
export async function imageUsingVolume(side: Pick<DockerSide, "host">, volume: string): Promise<string | undefined> {
    const output = await docker({ host: side.host, container: "" }, ["ps", "-a", "--filter", `volume=${volume}`, "--format", "{{.Image}}"]);
    return output.split("\n").map((l) => l.trim()).filter(Boolean)[0];
}

/** The archiver's settings for one app. */
export function archiveSettings(app: FileSyncApp, sanitize: boolean): ArchiveSettings {
    return {
        root: "/source",
        dirs: [...FILE_SYNC_DIRS[app]],
        emptyDirs: [...SANITIZED_EMPTY_DIRS],
        sanitize,
        textMaxBytes: TEXT_MAX_BYTES,
        encodedRunLength: ENCODED_RUN_LENGTH,
        placeholder: PLACEHOLDER,
    };
}

/** Shell scripts run in staging's volume (mounted at /x). Every name in them is checked against SAFE. */
export const volumeScripts = {
    /** Leftovers of killed syncs: set-aside directories go back in place, copies and finished ones are removed. */
    preflight(dirs: readonly string[]): string {
        return [
            `set -e; cd /x`,
            `for p in ${PREVIOUS}*; do [ -d "$p" ] || continue; ${restore("$p", dirs)}; echo "restored the live directories set aside in $p"; done`,
            `for p in ${INCOMING}* ${DONE}*; do [ -e "$p" ] || continue; rm -rf "$p"; echo "removed $p"; done`,
        ].join("\n");
    },
    /** Unpacks the tar stream on stdin into the run's incoming directory and lists it: `<dir> <files> <bytes>` or `<dir> absent`. */
    receive(runId: string, dirs: readonly string[]): string {
        return [
            `set -e; cd /x; mkdir "${INCOMING}${runId}"; tar -x -f - -C "${INCOMING}${runId}"; cd "${INCOMING}${runId}"`,
            `for d in ${dirs.join(" ")}; do`,
            `  if [ -e "$d" ]; then find "$d" -type f -exec stat -c %s {} + | awk -v d="$d" '{n++; b+=$1} END {printf "%s %.0f %.0f\\n", d, n, b}'; else echo "$d absent"; fi`,
            `done`,
        ].join("\n");
    },
    /** Live directories aside (an `.absent-<dir>` marker for one staging did not have), copies in their place. */
    swapIn(runId: string, dirs: readonly string[]): string {
        const inc = `${INCOMING}${runId}`;
        const prev = `${PREVIOUS}${runId}`;
        return [
            `set -e; cd /x; test -d "${inc}"; mkdir "${prev}"`,
            `for d in ${dirs.join(" ")}; do`,
            `  if [ -e "$d" ] || [ -L "$d" ]; then mv "$d" "${prev}/$d"; else touch "${prev}/.absent-$d"; fi`,
            `  if [ -e "${inc}/$d" ]; then mv "${inc}/$d" "$d"; fi`,
            `done`,
            `rm -rf "${inc}"`,
        ].join("\n");
    },
    revert(runId: string, dirs: readonly string[]): string {
        return `set -e; cd /x; if [ -d "${PREVIOUS}${runId}" ]; then ${restore(`${PREVIOUS}${runId}`, dirs)}; fi; rm -rf "${INCOMING}${runId}"`;
    },
    /** The set-aside directories are renamed first, so a kill during the removal never makes them look restorable. */
    finish(runId: string): string {
        return `set -e; cd /x; if [ -d "${PREVIOUS}${runId}" ]; then mv "${PREVIOUS}${runId}" "${DONE}${runId}"; fi; rm -rf "${DONE}${runId}" "${INCOMING}${runId}"`;
    },
    discard(runId: string): string {
        return `set -e; rm -rf "/x/${INCOMING}${runId}"`;
    },
};

function restore(prev: string, dirs: readonly string[]): string {
    return `for d in ${dirs.join(" ")}; do if [ -e "${prev}/$d" ] || [ -L "${prev}/$d" ]; then rm -rf "./$d"; mv "${prev}/$d" "./$d"; elif [ -e "${prev}/.absent-$d" ]; then rm -rf "./$d"; fi; done; rm -rf "${prev}"`;
}

/** Parses the receiver's listing and checks it against what the archiver wrote. */
export function verifyListing(app: FileSyncApp, reports: readonly ArchiveDirReport[], listing: string): void {
    const lines = new Map(listing.split("\n").map((l) => l.trim().split(" ")).filter((f) => f.length >= 2).map((f) => [f[0], f.slice(1)]));
    for (const report of reports) {
        const found = lines.get(report.dir);
        const expected = report.present ? [String(report.files), String(report.bytes)] : ["absent"];
        if (!found || found.join(" ") !== expected.join(" ")) {
            throw new Error(`files: ${app} ${report.dir}/: staging received ${found?.join(" ") ?? "nothing"} (files bytes), production sent ${expected.join(" ")}`);
        }
    }
}

/**
 * Copies every volume's synced directories into a fresh directory of staging's volume and verifies
 * them. Throws FilesLeakFound if a file still looks personal after sanitizing; staging is then untouched.
 */
export async function prepareFiles(options: FilesSyncOptions, runId: string, log: Logger, cleanups: Set<() => Promise<void>>): Promise<PreparedFiles> {
    const started = Date.now();
    if (!SAFE.test(runId)) throw new Error(`bad run id ${runId}`);
    const labels = scratchLabels(runId, started);
    const prodEngine = { host: options.production.host, container: "" };
    const stagingEngine = { host: options.staging.host, container: "" };
    const images = new Map<string, string>();
    for (const volumes of options.volumes) {
        for (const [engine, volume, side] of [[prodEngine, volumes.production, "production"], [stagingEngine, volumes.staging, "staging"]] as const) {
            if (!SAFE.test(volume)) throw new Error(`bad volume name ${volume}`);
            await docker(engine, ["volume", "inspect", "-f", "{{.Name}}", volume]).catch(() => {
                throw new Error(`files: ${side}'s volume ${volume} of ${volumes.app} does not exist`);
            });
        }
        const image = options.stagingImage ?? (await imageUsingVolume(options.staging, volumes.staging));
        if (!image) throw new Error(`files: no container uses staging's volume ${volumes.staging}, so no image to work on it with (set PA_SYNC_STAGING_HELPER_IMAGE)`);
        images.set(volumes.staging, image);
    }
    const onStaging = (volumes: FileVolumes, script: string) =>
        docker(stagingEngine, ["run", "--rm", "--log-driver", "none", "--network", "none", "--user", "0", ...labels, "--entrypoint", "sh",
            "-v", `${volumes.staging}:/x`, images.get(volumes.staging)!, "-c", script]);
    const dirsOf = (volumes: FileVolumes) => FILE_SYNC_DIRS[volumes.app];
    const each = (script: (v: FileVolumes) => string) => Promise.all(options.volumes.map((v) => onStaging(v, script(v))));

    log.info(`files: preflight: leftovers of interrupted syncs in staging's volumes`);
    for (const volumes of options.volumes) {
        const done = (await onStaging(volumes, volumeScripts.preflight(dirsOf(volumes)))).trim();
        if (done) log.info(`files: ${volumes.app}: ${done.split("\n").join("; ")}`);
    }

    const discard = async () => {
        await Promise.all(options.volumes.map((v) => onStaging(v, volumeScripts.discard(runId)).catch(() => undefined)));
    };
    cleanups.add(discard);
    try {
        const settled = await Promise.allSettled(options.volumes.map((volumes) => copyVolume(options, volumes, runId, labels, images.get(volumes.staging)!, log)));
        const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
        if (failure) throw failure.reason;
        const apps = settled.map((s) => (s as PromiseFulfilledResult<FilesAppResult>).value);
        const leaks = apps.flatMap((a) => a.dirs.filter((d) => d.leaks > 0).map((d) => ({ app: a.app, dir: d.dir, count: d.leaks })));
        if (leaks.length > 0) throw new FilesLeakFound(leaks);
        const dirs = apps.flatMap((a) => a.dirs);
        const result: FilesResult = {
            apps,
            files: dirs.reduce((n, d) => n + d.files, 0),
            bytes: apps.reduce((n, a) => n + a.bytes, 0),
            placeholders: dirs.reduce((n, d) => n + d.placeholders, 0),
            notCopied: dirs.reduce((n, d) => n + d.notCopied, 0),
            reindex: dirs.some((d) => d.emptied),
            seconds: (Date.now() - started) / 1000,
        };
        let swapped: FileVolumes[] = [];
        return {
            name: "the files",
            result,
            discard,
            async swapIn() {
                for (const volumes of options.volumes) {
                    swapped.push(volumes);
                    await onStaging(volumes, volumeScripts.swapIn(runId, dirsOf(volumes)));
                    log.debug(`files: ${volumes.app}: swapped in`);
                }
            },
            async revert() {
                for (const volumes of swapped) await onStaging(volumes, volumeScripts.revert(runId, dirsOf(volumes)));
                swapped = [];
            },
            async finish() {
                await each(() => volumeScripts.finish(runId));
            },
        };
    } catch (err) {
        await discard();
        cleanups.delete(discard);
        throw err;
    }
}

async function copyVolume(
    options: FilesSyncOptions,
    volumes: FileVolumes,
    runId: string,
    labels: string[],
    stagingImage: string,
    log: Logger,
): Promise<FilesAppResult> {
    const started = Date.now();
    const dirs = FILE_SYNC_DIRS[volumes.app];
    const how = options.text
        ? `sanitized on production's host: text rewritten and scanned, other files replaced by placeholders${dirs.some((d) => SANITIZED_EMPTY_DIRS.includes(d)) ? `, ${dirs.filter((d) => SANITIZED_EMPTY_DIRS.includes(d)).join(", ")}/ left empty` : ""}`
        : "byte for byte: server profile";
    log.info(`files: ${volumes.app}: copying ${dirs.map((d) => `${d}/`).join(", ")} (${how})`);
    // Read-only: the archiver cannot change production's volume. No network, no log (the stream is not kept).
    // When sanitizing, the key comes from production's key volume, read only by the archiver.
    const keyMount = options.text ? syncKeyMountArgs(options.text.keyVolume) : [];
    const archiver = dockerProcess(options.production, ["run", "--rm", "-i", "--log-driver", "none", "--network", "none", "--user", "0", ...labels, ...keyMount,
        "-v", `${volumes.production}:/source:ro`, "--entrypoint", "node", options.archiverImage, "-"]);
    archiver.stdin?.on("error", () => undefined);
    archiver.stdin?.end(sidecarProgram("files", { archive: archiveSettings(volumes.app, options.text !== undefined), text: options.text }));
    const receiver = dockerProcess(options.staging, ["run", "--rm", "-i", "--log-driver", "none", "--network", "none", "--user", "0", ...labels,
        "-v", `${volumes.staging}:/x`, "--entrypoint", "sh", stagingImage, "-c", volumeScripts.receive(runId, dirs)]);
    const { bytes, sinkOutput, sourceStderr } = await pipeProcesses(archiver, receiver);
    const line = sourceStderr.split("\n").find((l) => l.startsWith(ARCHIVE_REPORT_PREFIX));
    if (!line) throw new Error(`files: ${volumes.app}: the archiver on production reported nothing`);
    const reports = JSON.parse(line.slice(ARCHIVE_REPORT_PREFIX.length)) as ArchiveDirReport[];
    verifyListing(volumes.app, reports, sinkOutput);
    const files = reports.reduce((n, r) => n + r.files, 0);
    log.info(`files: ${volumes.app}: verified ${files} files, ${(reports.reduce((n, r) => n + r.bytes, 0) / 1e6).toFixed(1)} MB in staging's volume, next to the live ones`);
    return { app: volumes.app, dirs: reports, bytes, seconds: (Date.now() - started) / 1000 };
}
