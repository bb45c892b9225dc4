// Queries inside the stack's database containers through `docker exec`, so they work in production,
// where the databases publish no port. Passwords come from the containers' own env (the program
// sets them there), so the commands need no credentials and print none.
import { AppDatabase, CYPHER_COMMAND, passwordEnvVar } from "../../model/databases";
import { HOSTNAMES } from "../../model/names";
import { DockerClient } from "../../platform/dockerClient";

export interface QueryResult {
    ok: boolean;
    /** Rows as psql prints them unaligned (`-tA`), or the Cypher rows as JSON. */
    output: string;
    error?: string;
    ms: number;
}

/**
 * Runs SQL in an app's database as the app's own role, over the container's network name rather
 * than localhost: loopback connections are trusted, so only this way the password is checked.
 */
export async function appSql(docker: DockerClient, postgres: string, db: AppDatabase, sql: string): Promise<QueryResult> {
    const script = `PGPASSWORD="$${passwordEnvVar(db)}" exec psql -h ${HOSTNAMES.postgres} -U "$1" -d "$1" -v ON_ERROR_STOP=1 -tAq`;
    const result = await docker.exec(postgres, ["sh", "-c", script, "sh", db.name], { stdin: sql });
    return { ok: result.code === 0, output: result.stdout.trim(), error: result.stderr.trim() || undefined, ms: result.ms };
}

export async function pgIsReady(docker: DockerClient, postgres: string): Promise<QueryResult> {
    const result = await docker.exec(postgres, ["pg_isready", "-h", "localhost", "-U", "postgres", "-d", "postgres"]);
    return { ok: result.code === 0, output: result.stdout.trim(), error: result.stderr.trim() || undefined, ms: result.ms };
}

/** Neo4j's HTTP endpoint inside its container (curl, or wget where the image has no curl). */
export async function neo4jHttp(docker: DockerClient, neo4j: string): Promise<QueryResult> {
    const script =
        "if command -v curl >/dev/null; then curl -fsS http://localhost:7474/; else wget -qO- http://localhost:7474/; fi";
    const result = await docker.exec(neo4j, ["sh", "-c", script]);
    return { ok: result.code === 0 && result.stdout.includes("neo4j_version"), output: result.stdout.trim(), error: result.stderr.trim() || undefined, ms: result.ms };
}

/** Runs Cypher statements in one transaction over the HTTP API, authenticated from NEO4J_AUTH. */
export async function cypher(docker: DockerClient, neo4j: string, statements: string[]): Promise<QueryResult> {
    const body = JSON.stringify({ statements: statements.map((statement) => ({ statement })) });
    const result = await docker.exec(neo4j, [...CYPHER_COMMAND], { stdin: body });
    if (result.code !== 0) return { ok: false, output: result.stdout, error: result.stderr.trim(), ms: result.ms };
    try {
        const parsed = JSON.parse(result.stdout) as { results: { data: { row: unknown[] }[] }[]; errors: { message: string }[] };
        if (parsed.errors.length > 0) return { ok: false, output: "", error: parsed.errors.map((e) => e.message).join("; "), ms: result.ms };
        const rows = parsed.results.map((r) => r.data.map((d) => d.row));
        return { ok: true, output: JSON.stringify(rows), ms: result.ms };
    } catch {
        return { ok: false, output: result.stdout.slice(0, 200), error: "not a Neo4j JSON answer", ms: result.ms };
    }
}
