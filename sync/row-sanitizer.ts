// The row sanitizer, run by Node.js in a sidecar container on production's host that shares the
// production Postgres container's network namespace: it connects to 127.0.0.1:5432 as the superuser
// (the image trusts loopback connections, as the operator commands' psql relies on), joins the sync's
// exported snapshot, and streams `COPY (<select>) TO STDOUT` per table. Free-text columns are
// sanitized here with textSanitizer (V8's regex engine, several times faster than PostgreSQL's), every
// row is scanned before it is written to stdout in COPY text format, and a marker line follows each
// table, as psql would print it. Raw rows never leave production's host. On a scan hit it writes
// nothing more, keeps counting through its tables and exits 3 with the counts per column (never a
// value) as the last line of stderr. sanitizeRows() is self-contained: it is sent to the sidecar as source.
import type { TextSanitizer } from "./text";

export interface RowColumn {
    name: string;
    /** Free text, sanitized here (its output is scanned when the sanitizer changed it). */
    text: boolean;
    /** Scanned as it comes from the SELECT. */
    scan: boolean;
    /** bytea, scanned as its bytes. */
    bytea: boolean;
}

export interface RowTask {
    /** `schema.table`, for the leak report. */
    table: string;
    /** The SELECT whose rows are copied (whole-value rules and exceptions already applied in SQL). */
    select: string;
    columns: RowColumn[];
}

export interface RowSettings {
    database: string;
    /** SQL run before the transaction: the pseudonym functions the SELECTs call. */
    prelude: string;
    /** The snapshot every read joins. */
    snapshot: string;
    /** The line written after each table. */
    marker: string;
    /** Files inside the Postgres container holding the person names of every app, in COPY text format. */
    namesFiles: string[];
    tasks: RowTask[];
}

export interface RowLeak {
    table: string;
    column: string;
    count: number;
}

export interface RowReport {
    rows: number[];
    leaks: RowLeak[];
}

export async function sanitizeRows(settings: RowSettings, makeText: (names: string[]) => TextSanitizer): Promise<RowReport> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const net = require("net") as typeof import("net");
    const ESCAPES: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };
    const UNESCAPES: Record<string, string> = { "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v" };
    const decode = (field: string) => (field.includes("\\") ? field.replace(/\\(.)/g, (_, c: string) => ESCAPES[c] ?? c) : field);
    const encode = (value: string) => value.replace(/[\\\b\f\n\r\t\v]/g, (c) => UNESCAPES[c]);
    const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

    // A minimal client of PostgreSQL's protocol 3.0: trust authentication, simple queries, COPY out.
    const socket = net.connect(5432, "127.0.0.1");
    let pending: Buffer = Buffer.alloc(0);
    let current: { rows: string[][]; error?: string; onCopy?: (row: Buffer) => void; done: (err?: Error) => void } | undefined;
    let fatal: Error | undefined;
    const fail = (err: Error) => {
        // The server's own message (e.g. a refused login) says more than the closed connection.
        fatal = current?.error ? new Error(current.error) : err;
        current?.done(fatal);
        current = undefined;
    };
    const ready = new Promise<void>((resolve, reject) => {
        current = { rows: [], done: (err) => (err ? reject(err) : resolve()) };
    });
    socket.on("error", (err) => fail(new Error(`production's Postgres on 127.0.0.1:5432: ${err.message}`)));
    socket.on("close", () => fail(new Error("production's Postgres closed the connection")));
    socket.on("data", (chunk: Buffer) => {
        pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
        let at = 0;
        while (pending.length - at >= 5) {
            const length = pending.readInt32BE(at + 1);
            if (pending.length - at < 1 + length) break;
            receive(pending[at], pending.subarray(at + 5, at + 1 + length));
            at += 1 + length;
        }
        pending = pending.subarray(at);
        flush();
    });
    function receive(type: number, body: Buffer): void {
        const query = current;
        switch (String.fromCharCode(type)) {
            case "R":
                if (body.readInt32BE(0) !== 0) {
                    fail(new Error(`production's Postgres asks for a password on 127.0.0.1 (authentication request ${body.readInt32BE(0)}); the sync needs the image's default trust for loopback connections`));
                    socket.destroy();
                }
                return;
            case "E": {
                const fields = body.toString("utf8").split("\0");
                if (query) query.error = fields.find((f) => f.startsWith("M"))?.slice(1) ?? "unknown error";
                return;
            }
            case "D": {
                const values: string[] = [];
                let offset = 2;
                for (let i = body.readInt16BE(0); i > 0; i--) {
                    const size = body.readInt32BE(offset);
                    offset += 4;
                    values.push(size < 0 ? "" : body.toString("utf8", offset, offset + size));
                    offset += Math.max(size, 0);
                }
                query?.rows.push(values);
                return;
            }
            case "d":
                query?.onCopy?.(body);
                return;
            case "Z":
                current = undefined;
                query?.done(query.error ? new Error(query.error) : undefined);
                return;
        }
    }
    // Output is gathered and written once per chunk read: a write per row would cost a system call and
    // a frame of Docker's attach stream each. Should stdout ever buffer, reading waits for it.
    let output: Buffer[] = [];
    const write = (data: Buffer | string) => output.push(typeof data === "string" ? Buffer.from(data, "utf8") : data);
    function flush(): void {
        if (output.length === 0) return;
        const data = Buffer.concat(output);
        output = [];
        if (!process.stdout.write(data)) {
            socket.pause();
            process.stdout.once("drain", () => socket.resume());
        }
    }
    function run(sql: string, onCopy?: (row: Buffer) => void): Promise<string[][]> {
        if (fatal) return Promise.reject(fatal);
        return new Promise((resolve, reject) => {
            const rows: string[][] = [];
            current = { rows, onCopy, done: (err) => (err ? reject(err) : resolve(rows)) };
            const text = Buffer.from(sql + "\0", "utf8");
            const header = Buffer.alloc(5);
            header.write("Q", 0);
            header.writeInt32BE(4 + text.length, 1);
            socket.write(Buffer.concat([header, text]));
        });
    }
    const params = Buffer.from(`user\0postgres\0database\0${settings.database}\0application_name\0pa-sync-rows\0client_encoding\0UTF8\0\0`, "utf8");
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4);
    socket.write(Buffer.concat([startup, params]));
    await ready;


    await run(settings.prelude);
    const names: string[] = [];
    for (const file of settings.namesFiles) {
        const [[content]] = await run(`SELECT pg_read_file(${literal(file)})`);
        for (const line of content.split("\n")) if (line && line !== "\\N") names.push(decode(line));
    }
    const text = makeText(names);
    await run(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT ${literal(settings.snapshot)}`);

    const report: RowReport = { rows: settings.tasks.map(() => 0), leaks: [] };
    const leakCounts = new Map<string, RowLeak>();
    const leak = (table: string, column: string) => {
        const key = `${table}\0${column}`;
        const entry = leakCounts.get(key) ?? { table, column, count: 0 };
        entry.count++;
        leakCounts.set(key, entry);
    };
    for (const [index, task] of settings.tasks.entries()) {
        const examined = task.columns.map((c, i) => (c.text || c.scan ? i : -1)).filter((i) => i >= 0);
        await run(`COPY (${task.select}) TO STDOUT`, (row) => {
            report.rows[index]++;
            if (examined.length === 0) {
                if (leakCounts.size === 0) write(row);
                return;
            }
            const fields = row.toString("utf8", 0, row.length - 1).split("\t");
            let changed = false;
            for (const i of examined) {
                const column = task.columns[i];
                if (fields[i] === "\\N") continue;
                let value = decode(fields[i]);
                if (column.bytea) value = Buffer.from(value.slice(2), "hex").toString("latin1");
                if (column.text) {
                    const sanitized = text.text(value);
                    if (sanitized === value) continue;
                    fields[i] = encode(sanitized);
                    changed = true;
                    value = sanitized;
                }
                if (text.leaks(value)) leak(task.table, column.name);
            }
            if (leakCounts.size === 0) write(changed ? fields.join("\t") + "\n" : row);
        });
        if (leakCounts.size === 0) write(settings.marker + "\n");
        flush();
    }
    await run("COMMIT");
    socket.removeAllListeners("close");
    socket.end(Buffer.from([0x58, 0, 0, 0, 4]));
    report.leaks = [...leakCounts.values()];
    return report;
}
