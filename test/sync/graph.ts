// The two Neo4j containers the graph sync tests run against (started by test/sync/run.sh): Cypher
// over the Query API inside each container, and a production graph with planted personal data.
import { spawnSync } from "child_process";
import { PEOPLE } from "./dataset";

export const PRODUCTION_NEO4J = process.env.PA_SYNCTEST_PRODUCTION_NEO4J ?? "pa-synctest-neo4j-production";
export const STAGING_NEO4J = process.env.PA_SYNCTEST_STAGING_NEO4J ?? "pa-synctest-neo4j-staging";
const PASSWORD = process.env.PA_SYNCTEST_NEO4J_PASSWORD ?? "synctest-neo4j-pw";

/** Runs one Cypher statement; returns the rows as plain JSON values. */
export function cypher(container: string, statement: string, parameters: Record<string, unknown> = {}): unknown[][] {
    const result = spawnSync(
        "docker",
        ["exec", "-i", container, "curl", "-sS", "-u", `neo4j:${PASSWORD}`, "-H", "Content-Type: application/json", "--data-binary", "@-", "http://localhost:7474/db/neo4j/query/v2"],
        { input: JSON.stringify({ statement, parameters }), encoding: "utf8" },
    );
    const body = JSON.parse(result.stdout || "{}") as { data?: { values: unknown[][] }; errors?: Array<{ message: string }> };
    if (result.status !== 0 || body.errors?.length) throw new Error(`cypher on ${container} failed: ${result.stderr}${JSON.stringify(body.errors)}`);
    return body.data?.values ?? [];
}

/** People (names from the Postgres dataset), what they know about each other, and notes in free text. */
export function fillProductionGraph(): void {
    cypher(PRODUCTION_NEO4J, "MATCH (n) DETACH DELETE n");
    cypher(PRODUCTION_NEO4J, "CREATE CONSTRAINT person_email IF NOT EXISTS FOR (p:Person) REQUIRE p.email IS UNIQUE");
    cypher(PRODUCTION_NEO4J, "CREATE INDEX topic_name IF NOT EXISTS FOR (t:Topic) ON (t.name)");
    cypher(
        PRODUCTION_NEO4J,
        `UNWIND $people AS p CREATE (:Person {name: p.first + ' ' + p.last, firstName: p.first, email: p.email, phone: p.phone, born: date('1980-01-01'), score: 7})`,
        { people: PEOPLE },
    );
    cypher(
        PRODUCTION_NEO4J,
        `MATCH (a:Person), (b:Person) WHERE a.email < b.email WITH a, b LIMIT 20
         CREATE (a)-[:KNOWS {since: 2019, note: 'met ' + b.name + ', reach at ' + b.phone + ' / ' + b.email}]->(b)`,
    );
    cypher(
        PRODUCTION_NEO4J,
        `UNWIND range(0, 49) AS i CREATE (:Topic {name: 'Topic ' + i, summary: 'Ask ' + $people[i % 12].first + ' about it', tags: ['work', $people[i % 12].last]})`,
        { people: PEOPLE },
    );
}

/** Every property of every node and relationship of a graph, as one JSON text. */
export function textSanitizer(container: string): string {
    return JSON.stringify([
        cypher(container, "MATCH (n) RETURN labels(n), properties(n)"),
        cypher(container, "MATCH ()-[r]->() RETURN type(r), properties(r)"),
    ]);
}
