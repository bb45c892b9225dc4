// The file archiver, run by Node in a helper container on production's host with an app's data volume
// mounted read-only at `root`: it walks the synced directories and writes a tar stream on stdout.
// Server profile: every file as it is. Laptop profile: text files (by content) go through the graph
// side's free-text sanitizer and are scanned after it, other files are replaced by placeholders, and
// some directories are left empty; names are sanitized too, the way the Postgres side sanitizes the
// paths it stores. Raw bytes therefore never leave production's host on a laptop sync. It never follows
// a symbolic link, so nothing outside the listed directories (n8n's `config`) is read.
// It runs as the bundled sidecar sync/sidecars/files.ts.
import * as fs from "fs";
import type { TextSanitizer } from "./text";

export interface ArchiveSettings {
    /** Where the volume is mounted in the helper container. */
    root: string;
    /** Top-level directories of the volume to copy. */
    dirs: string[];
    /** Directories written as empty ones when sanitizing. */
    emptyDirs: string[];
    sanitize: boolean;
    /** Text files larger than this are treated as opaque (the name search is too slow on them). */
    textMaxBytes: number;
    /** A run of this many base64 characters makes a text file opaque: it embeds an encoded blob. */
    encodedRunLength: number;
    /** The content of a placeholder; `{size}` becomes the original size in bytes. */
    placeholder: string;
}

export interface ArchiveDirReport {
    dir: string;
    /** Whether production has the directory. */
    present: boolean;
    /** Regular files written into the archive, placeholders included. */
    files: number;
    /** Bytes of their content as written. */
    bytes: number;
    /** Text files whose content or name the sanitizer changed. */
    sanitized: number;
    /** Opaque files replaced by a placeholder. */
    placeholders: number;
    /** Files of a directory written empty. */
    notCopied: number;
    /** Symbolic links, sockets, devices: never copied. */
    skipped: number;
    /** Files (or names) that still look personal after sanitizing: not written, and the sync fails. */
    leaks: number;
    /** Written as an empty directory (sanitizing). */
    emptied: boolean;
}

/** The stderr line prefix of the archiver's report. */
export const ARCHIVE_REPORT_PREFIX = "PA-FILES-REPORT ";

export type FileKind = "text" | "opaque";

/**
 * Text is UTF-8 without NUL bytes, no larger than textMaxBytes and without a long base64 run (a data:
 * URL or an attachment inside JSON is a blob the sanitizer cannot read). Everything else is opaque:
 * PDFs, images, office files, SQLite databases, other encodings.
 */
export function fileKind(content: Uint8Array, settings: { textMaxBytes: number; encodedRunLength: number }): FileKind {
    if (content.length > settings.textMaxBytes || content.includes(0)) return "opaque";
    let text: string;
    try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(content);
    } catch {
        return "opaque";
    }
    if (new RegExp(`[A-Za-z0-9+/]{${settings.encodedRunLength},}`).test(text)) return "opaque";
    return "text";
}

/** Writes the archive of settings.dirs to stdout and returns what it wrote per directory. */
export async function archive(settings: ArchiveSettings, text: TextSanitizer | undefined): Promise<ArchiveDirReport[]> {
    const BLOCK = 512;
    const out = process.stdout;
    let outError: Error | undefined;
    out.on("error", (err: Error) => (outError = err));

    async function write(chunk: Buffer): Promise<void> {
        if (outError) throw outError;
        if (out.write(chunk)) return;
        await new Promise<void>((resolve, reject) => {
            const onDrain = () => (out.off("error", onError), resolve());
            const onError = (err: Error) => (out.off("drain", onDrain), reject(err));
            out.once("drain", onDrain);
            out.once("error", onError);
        });
    }
    const padding = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

    function octal(value: number, width: number): string {
        return value.toString(8).padStart(width - 1, "0") + "\0";
    }
    interface Meta {
        mode: number;
        uid: number;
        gid: number;
        mtime: number;
    }
    function header(name: string, type: string, size: number, meta: Meta): Buffer {
        const block = Buffer.alloc(BLOCK);
        block.write(name, 0, 100, "utf8");
        block.write(octal(meta.mode & 0o7777, 8), 100, "ascii");
        block.write(octal(meta.uid, 8), 108, "ascii");
        block.write(octal(meta.gid, 8), 116, "ascii");
        block.write(octal(size, 12), 124, "ascii");
        block.write(octal(meta.mtime, 12), 136, "ascii");
        block.write("        ", 148, "ascii");
        block.write(type, 156, "ascii");
        block.write("ustar\0", 257, "ascii");
        block.write("00", 263, "ascii");
        let sum = 0;
        for (const byte of block) sum += byte;
        block.write(octal(sum, 7) + " ", 148, "ascii");
        return block;
    }
    function paxRecord(key: string, value: string): Buffer {
        const base = Buffer.byteLength(` ${key}=${value}\n`);
        let length = base + String(base).length;
        if (String(length).length !== String(base).length) length = base + String(length).length;
        return Buffer.from(`${length} ${key}=${value}\n`, "utf8");
    }
    /** The header blocks of one entry: a pax header first when the name or a number does not fit ustar. */
    function entry(name: string, type: "0" | "5", size: number, meta: Meta): Buffer {
        const records: Buffer[] = [];
        const fits = Buffer.byteLength(name) < 100 && /^[\x20-\x7e]*$/.test(name);
        if (!fits) records.push(paxRecord("path", name));
        if (size > 0o77777777777) records.push(paxRecord("size", String(size)));
        if (meta.uid > 0o7777777) records.push(paxRecord("uid", String(meta.uid)));
        if (meta.gid > 0o7777777) records.push(paxRecord("gid", String(meta.gid)));
        const safeMeta = { ...meta, uid: meta.uid > 0o7777777 ? 0 : meta.uid, gid: meta.gid > 0o7777777 ? 0 : meta.gid };
        const main = header(fits ? name : name.replace(/[^\x20-\x7e]/g, "_").slice(0, 99), type, size > 0o77777777777 ? 0 : size, safeMeta);
        if (records.length === 0) return main;
        const body = Buffer.concat(records);
        return Buffer.concat([header("././@PaxHeader", "x", body.length, { mode: 0o644, uid: 0, gid: 0, mtime: meta.mtime }), body, padding(body.length), main]);
    }

    /** The sanitized text (JSON decoded string by string), or undefined if it still looks personal. */
    function sanitizeText(value: string, t: TextSanitizer): string | undefined {
        const clean = t.text(value);
        return t.leaks(clean) ? undefined : clean;
    }

    async function writeFile(name: string, path: string, size: number, meta: Meta): Promise<void> {
        await write(entry(name, "0", size, meta));
        const fd = fs.openSync(path, "r");
        try {
            let remaining = size;
            while (remaining > 0) {
                const chunk = Buffer.allocUnsafe(Math.min(1 << 20, remaining));
                const read = fs.readSync(fd, chunk, 0, chunk.length, null);
                if (read === 0) throw new Error("a file shrank while it was copied (production wrote to it); run the sync again");
                await write(read === chunk.length ? chunk : chunk.subarray(0, read));
                remaining -= read;
            }
        } finally {
            fs.closeSync(fd);
        }
        await write(padding(size));
    }
    async function writeContent(name: string, content: Buffer, meta: Meta): Promise<void> {
        await write(Buffer.concat([entry(name, "0", content.length, meta), content, padding(content.length)]));
    }
    function countFiles(path: string): number {
        const st = fs.lstatSync(path);
        if (st.isFile()) return 1;
        if (!st.isDirectory()) return 0;
        return fs.readdirSync(path).reduce((n, child) => n + countFiles(`${path}/${child}`), 0);
    }

    const reports: ArchiveDirReport[] = [];
    for (const dir of settings.dirs) {
        const report: ArchiveDirReport = { dir, present: false, files: 0, bytes: 0, sanitized: 0, placeholders: 0, notCopied: 0, skipped: 0, leaks: 0, emptied: false };
        reports.push(report);
        if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(dir)) throw new Error(`not a top-level directory name: ${dir}`);
        const top = `${settings.root}/${dir}`;
        if (!fs.existsSync(top) && !isLink(top)) continue;
        report.present = true;
        const written = new Set<string>();

        const visit = async (rel: string): Promise<void> => {
            const path = rel ? `${top}/${rel}` : top;
            const st = fs.lstatSync(path);
            if (!st.isFile() && !st.isDirectory()) {
                report.skipped++;
                return;
            }
            const meta = { mode: st.mode, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) };
            // Names below the top directory are sanitized like any other text (Open WebUI keeps the
            // original file name in the upload's path, which its database stores sanitized).
            let outRel = rel;
            if (rel && text) {
                outRel = text.text(rel);
                if (text.leaks(outRel)) {
                    report.leaks += st.isDirectory() ? Math.max(1, countFiles(path)) : 1;
                    return;
                }
            }
            const name = outRel ? `${dir}/${outRel}` : dir;
            if (written.has(name)) throw new Error(`two entries of ${dir}/ have the same name after sanitizing`);
            written.add(name);
            if (st.isDirectory()) {
                await write(entry(name + "/", "5", 0, meta));
                if (!rel && text && settings.emptyDirs.includes(dir)) {
                    report.emptied = true;
                    report.notCopied = countFiles(path);
                    return;
                }
                for (const child of fs.readdirSync(path).sort()) await visit(rel ? `${rel}/${child}` : child);
                return;
            }
            report.files++;
            if (!text) {
                await writeFile(name, path, st.size, meta);
                report.bytes += st.size;
                return;
            }
            const content = st.size <= settings.textMaxBytes ? fs.readFileSync(path) : undefined;
            if (content && fileKind(content, settings) === "text") {
                const original = content.toString("utf8");
                const clean = sanitizeText(original, text);
                if (clean === undefined) {
                    report.files--;
                    report.leaks++;
                    written.delete(name);
                    return;
                }
                if (clean !== original || outRel !== rel) report.sanitized++;
                const bytes = Buffer.from(clean, "utf8");
                await writeContent(name, bytes, meta);
                report.bytes += bytes.length;
                return;
            }
            const placeholder = Buffer.from(settings.placeholder.replace("{size}", String(st.size)), "utf8");
            await writeContent(name, placeholder, meta);
            report.placeholders++;
            if (outRel !== rel) report.sanitized++;
            report.bytes += placeholder.length;
        };
        await visit("");
    }
    await write(Buffer.alloc(2 * BLOCK));
    return reports;

    function isLink(path: string): boolean {
        try {
            return fs.lstatSync(path).isSymbolicLink();
        } catch {
            return false;
        }
    }
}
