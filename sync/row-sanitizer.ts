// The row sanitizer, run by Node.js in a sidecar container on production's host that shares the
// production Postgres container's network namespace (sync/sidecars/pg-wire.ts), joins the sync's
// exported snapshot, and streams `COPY (<select>) TO STDOUT` per table. Free-text columns are
// sanitized here with textSanitizer (V8's regex engine, several times faster than PostgreSQL's), every
// row is scanned before it is written to stdout in COPY text format, and a marker line follows each
// table, as psql would print it. Raw rows never leave production's host. Before any row, the schema's
// own text (comments, column defaults, enum labels) is scanned too. On a scan hit it writes nothing
// more, keeps counting through its tables and exits with EXIT.personalData (5) and the counts per column (never a value) as
// the last line of stderr.
import { literal } from "./catalog";
import { connect } from "./sidecars/pg-wire";
import type { TextSanitizer } from "./text";

export interface RowColumn {
    name: string;
    /** Free text, sanitized here (its output is scanned when the sanitizer changed it). */
    text: boolean;
    /** Conversation text: names no table knows are looked for too (sync/pii/people.ts). */
    people: boolean;
    /** Scanned as it comes from the SELECT. */
    scan: boolean;
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
    /** The snapshot every read joins. */
    snapshot: string;
    /** The line written after each table. */
    marker: string;
    /** Files inside the Postgres container holding the person names of every app, in COPY text format. */
    namesFiles: string[];
    /** A query returning (place, text) rows of the schema's own text, scanned before any row (the first lane only). */
    schemaTextQuery?: string;
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
    /** How many of each finding the sanitizer replaced. */
    replaced: Record<string, number>;
}

/** `prelude`: SQL run before the transaction, the pseudonym functions the SELECTs call (made from the key here). */
export async function sanitizeRows(settings: RowSettings, prelude: string, makeText: (names: string[]) => TextSanitizer): Promise<RowReport> {
    const ESCAPES: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };
    const UNESCAPES: Record<string, string> = { "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v" };
    const decode = (field: string) => (field.includes("\\") ? field.replace(/\\(.)/g, (_, c: string) => ESCAPES[c] ?? c) : field);
    const encode = (value: string) => value.replace(/[\\\b\f\n\r\t\v]/g, (c) => UNESCAPES[c]);

    // Output is gathered and written once per chunk read: a write per row would cost a system call and
    // a frame of Docker's attach stream each. Should stdout ever buffer, reading waits for it.
    let output: Buffer[] = [];
    const write = (data: Buffer | string) => output.push(typeof data === "string" ? Buffer.from(data, "utf8") : data);
    const session = await connect(settings.database, "pa-sync-rows", () => flush());
    function flush(): void {
        if (output.length === 0) return;
        const data = Buffer.concat(output);
        output = [];
        if (!process.stdout.write(data)) {
            session.pause();
            process.stdout.once("drain", () => session.resume());
        }
    }
    const run = (sql: string, onCopy?: (row: Buffer) => void) => session.run(sql, onCopy);

    await run(prelude);
    const names: string[] = [];
    for (const file of settings.namesFiles) {
        const [[content]] = await run(`SELECT pg_read_file(${literal(file)})`);
        for (const line of content.split("\n")) if (line && line !== "\\N") names.push(decode(line));
    }
    const text = makeText(names);
    await run(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT ${literal(settings.snapshot)}`);

    const report: RowReport = { rows: settings.tasks.map(() => 0), leaks: [], replaced: text.replaced };
    const leakCounts = new Map<string, RowLeak>();
    const leak = (table: string, column: string) => {
        const key = `${table}\0${column}`;
        const entry = leakCounts.get(key) ?? { table, column, count: 0 };
        entry.count++;
        leakCounts.set(key, entry);
    };
    // Comments, defaults and enum labels travel with the schema (pg_dump's pre-data), unsanitized.
    if (settings.schemaTextQuery) {
        for (const [place, value] of await run(settings.schemaTextQuery)) if (text.leaks(value)) leak("(schema)", place);
    }
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
                if (column.text) {
                    const sanitized = text.text(value, { people: column.people });
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
    session.end();
    report.leaks = [...leakCounts.values()];
    return report;
}
