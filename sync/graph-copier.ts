// The graph copier, run by Node in a sidecar container on production's host: it reads the graph from
// the source scratch Neo4j (a copy of production's store), writes it, sanitized, into a fresh target
// Neo4j that has never held a raw value, re-creates indexes and constraints, then scans every string
// of the target. It prints one JSON line: counts, and leaks as (labels or type, key, count), never
// values. Both servers are reached over the Query API with typed JSON, so integers, dates, points and
// byte arrays keep their types. It runs as the bundled sidecar sync/sidecars/graph.ts.
import { GraphRule, GraphRules, graphRule } from "./graph-rules";
import type { TextSanitizer } from "./text";

export interface CopierSettings {
    sourceUrl: string;
    targetUrl: string;
    rules: GraphRules;
    batchSize: number;
}

export interface GraphLeak {
    /** `(:Label:Other)` or `[:TYPE]`. */
    where: string;
    property: string;
    count: number;
}

export interface CopyReport {
    nodes: number;
    relationships: number;
    schemaStatements: number;
    leaks: GraphLeak[];
}

interface Typed {
    $type: string;
    _value: unknown;
}

/** Copies the graph; with `text` it sanitizes and scans, without it (server profile) values are copied as they are. */
export async function copyGraph(
    settings: CopierSettings,
    text: TextSanitizer | undefined,
): Promise<CopyReport> {
    const typed = ($type: string, _value: unknown): Typed => ({ $type, _value });
    const str = (value: string) => typed("String", value);
    const int = (value: number) => typed("Integer", String(value));
    const list = (values: Typed[]) => typed("List", values);
    const map = (entries: Record<string, Typed>) => typed("Map", entries);
    const ident = (name: string) => "`" + name.replace(/`/g, "``") + "`";

    async function query(url: string, statement: string, parameters: Record<string, Typed> = {}): Promise<Typed[][]> {
        const response = await fetch(`${url}/db/neo4j/query/v2`, {
            method: "POST",
            headers: { "Content-Type": "application/vnd.neo4j.query", Accept: "application/vnd.neo4j.query" },
            body: JSON.stringify({ statement, parameters }),
        });
        const body = (await response.json()) as { data?: { values: Typed[][] }; errors?: Array<{ code: string; message: string }> };
        // The statement is ours; an error message may quote a value, so only its code is reported.
        if (!response.ok || body.errors?.length) throw new Error(`Neo4j query failed: ${body.errors?.map((e) => e.code).join(", ") ?? response.status}`);
        return body.data?.values ?? [];
    }
    const count = async (url: string, statement: string) => Number((await query(url, statement))[0][0]._value);

    // Strings (and lists of strings) pass through the rule of their key; every other type as it is.
    function sanitizeValue(rule: GraphRule, value: Typed): Typed {
        if (!text) return value;
        if (value.$type === "List") return list((value._value as Typed[]).map((item) => sanitizeValue(rule, item)));
        if (value.$type !== "String") return value;
        const raw = value._value as string;
        switch (rule) {
            case "email":
                return str(text.email(raw));
            case "phone":
            case "name":
            case "firstName":
            case "lastName":
                return str(text.replacement(rule));
            case "text":
                return str(text.text(raw));
        }
    }
    function sanitizeProperties(labels: string[], properties: Record<string, Typed>): Record<string, Typed> {
        return Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, sanitizeValue(graphRule(settings.rules, labels, key), value)]));
    }
    const strings = (value: Typed): string[] =>
        value.$type === "String" ? [value._value as string] : value.$type === "List" ? (value._value as Typed[]).flatMap(strings) : [];

    /** Reads nodes (or relationships) in id order, batch by batch; the first column is the id. */
    async function* batches(url: string, statement: string): AsyncGenerator<Typed[][]> {
        for (let after = -1; ; ) {
            const rows = await query(url, statement, { after: int(after), batch: int(settings.batchSize) });
            if (rows.length === 0) return;
            yield rows;
            after = Number(rows[rows.length - 1][0]._value);
        }
    }
    function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
        const groups = new Map<string, T[]>();
        for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]);
        return groups;
    }

    const NODES = `MATCH (n) WHERE id(n) > $after RETURN id(n), labels(n), properties(n) ORDER BY id(n) LIMIT $batch`;
    const labelsOf = (labels: Typed) => (labels._value as Typed[]).map((l) => l._value as string);
    const personNameRules: GraphRule[] = ["name", "firstName", "lastName"];

    // Names of people in the graph itself join the names from Postgres before any text is sanitized.
    if (text) {
        for await (const rows of batches(settings.sourceUrl, NODES)) {
            for (const [, labels, properties] of rows) {
                for (const [key, value] of Object.entries(properties._value as Record<string, Typed>)) {
                    if (personNameRules.includes(graphRule(settings.rules, labelsOf(labels), key))) strings(value).forEach((name) => text.addName(name));
                }
            }
        }
    }

    await query(settings.targetUrl, "CREATE INDEX pa_sync_source_id IF NOT EXISTS FOR (n:PaSyncCopy) ON (n.paSyncSourceId)");
    await query(settings.targetUrl, "CALL db.awaitIndexes(300)");
    for await (const rows of batches(settings.sourceUrl, NODES)) {
        const nodes = rows.map(([id, labels, properties]) => {
            const labelNames = labelsOf(labels);
            return { id, labelNames, properties: sanitizeProperties(labelNames, properties._value as Record<string, Typed>) };
        });
        for (const [labelKey, group] of groupBy(nodes, (n) => JSON.stringify(n.labelNames))) {
            const labels = (JSON.parse(labelKey) as string[]).map((l) => `:${ident(l)}`).join("");
            await query(settings.targetUrl, `UNWIND $rows AS r CREATE (n:PaSyncCopy${labels}) SET n = r.p, n.paSyncSourceId = r.i`, {
                rows: list(group.map((n) => map({ i: n.id, p: map(n.properties) }))),
            });
        }
    }
    for await (const rows of batches(
        settings.sourceUrl,
        `MATCH (a)-[r]->(b) WHERE id(r) > $after RETURN id(r), type(r), id(a), id(b), properties(r) ORDER BY id(r) LIMIT $batch`,
    )) {
        const relationships = rows.map(([, type, start, end, properties]) => {
            const typeName = type._value as string;
            return { typeName, start, end, properties: sanitizeProperties([typeName], properties._value as Record<string, Typed>) };
        });
        for (const [typeName, group] of groupBy(relationships, (r) => r.typeName)) {
            await query(
                settings.targetUrl,
                `UNWIND $rows AS r MATCH (a:PaSyncCopy {paSyncSourceId: r.s}) MATCH (b:PaSyncCopy {paSyncSourceId: r.e}) CREATE (a)-[x:${ident(typeName)}]->(b) SET x = r.p`,
                { rows: list(group.map((r) => map({ s: r.start, e: r.end, p: map(r.properties) }))) },
            );
        }
    }
    await query(settings.targetUrl, `MATCH (n:PaSyncCopy) CALL (n) { REMOVE n:PaSyncCopy REMOVE n.paSyncSourceId } IN TRANSACTIONS OF 10000 ROWS`);
    await query(settings.targetUrl, "DROP INDEX pa_sync_source_id");

    // Constraints first (they bring their own indexes), then the other indexes, as the source has them.
    const schema = [
        ...(await query(settings.sourceUrl, "SHOW CONSTRAINTS YIELD createStatement RETURN createStatement")),
        ...(await query(settings.sourceUrl, "SHOW INDEXES YIELD type, owningConstraint, createStatement WHERE owningConstraint IS NULL AND type <> 'LOOKUP' RETURN createStatement")),
    ].map((row) => row[0]._value as string);
    for (const statement of schema) await query(settings.targetUrl, statement);
    await query(settings.targetUrl, "CALL db.awaitIndexes(600)");

    const report: CopyReport = {
        nodes: await count(settings.targetUrl, "MATCH (n) RETURN count(n)"),
        relationships: await count(settings.targetUrl, "MATCH ()-[r]->() RETURN count(r)"),
        schemaStatements: schema.length,
        leaks: [],
    };
    const expected = [await count(settings.sourceUrl, "MATCH (n) RETURN count(n)"), await count(settings.sourceUrl, "MATCH ()-[r]->() RETURN count(r)")];
    if (report.nodes !== expected[0] || report.relationships !== expected[1]) {
        throw new Error(`the copy holds ${report.nodes} nodes and ${report.relationships} relationships, the source ${expected[0]} and ${expected[1]}`);
    }

    // The scan reads the target, what staging will get, through the same paging.
    if (text) {
        // Labels, types and property keys are the graph's shape: they cannot be rewritten, only
        // scanned, and one that looks personal is reported without its name.
        const hits = new Map<string, number>();
        const hit = (where: string, property: string) => {
            const place = JSON.stringify([where, property]);
            hits.set(place, (hits.get(place) ?? 0) + 1);
        };
        // The same few labels, types and keys recur on every node: each is scanned once.
        const personal = new Map<string, boolean>();
        const isPersonal = (name: string) => {
            let answer = personal.get(name);
            if (answer === undefined) personal.set(name, (answer = text.leaks(name)));
            return answer;
        };
        const scan = (names: string[], wrap: (inner: string) => string, properties: Record<string, Typed>) => {
            const where = wrap(names.map((n) => (isPersonal(n) ? ":(a personal label)" : `:${n}`)).join(""));
            if (names.some(isPersonal)) hit(where, "(label)");
            for (const [key, value] of Object.entries(properties)) {
                if (isPersonal(key)) hit(where, "(a personal property name)");
                else if (strings(value).some((s) => text.leaks(s))) hit(where, key);
            }
        };
        for await (const rows of batches(settings.targetUrl, NODES)) {
            for (const [, labels, properties] of rows) scan(labelsOf(labels), (inner) => `(${inner})`, properties._value as Record<string, Typed>);
        }
        for await (const rows of batches(settings.targetUrl, `MATCH ()-[r]->() WHERE id(r) > $after RETURN id(r), type(r), properties(r) ORDER BY id(r) LIMIT $batch`)) {
            for (const [, type, properties] of rows) scan([type._value as string], (inner) => `[${inner}]`, properties._value as Record<string, Typed>);
        }
        report.leaks = [...hits].map(([where, n]) => {
            const [place, property] = JSON.parse(where) as [string, string];
            return { where: place, property, count: n };
        });
    }
    return report;
}
