// A production-like stack for the backup tests: Postgres with the three app databases (made by the
// program's own init script), Neo4j, and the apps' data volumes, all real containers from the test
// images (pa-bktest-*). The apps themselves do not run: a backup and a restore only need their data.
// The dataset is generated, not shaped for the backup code: many tables, jsonb, bytea, vectors,
// a graph, and files in nested folders.
import { execFileSync, spawn, ChildProcess } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Service } from "../../config/schema";
import { APP_DATABASES, passwordEnvVar, postgresInitScript } from "../../model/databases";
import { Target } from "../../cli/stacks/target";
import { docker, removePrefixed, waitFor } from "../support/docker";
import { serviceTestImage, testImage } from "../support/images";

export const PREFIX = "pa-bktest";
const NETWORK = `${PREFIX}-net`;

export function resticTestImage(): string {
    return testImage("restic");
}

const names: Record<Service, string> = { postgres: "postgres", neo4j: "neo4j", letta: "letta", openWebui: "open-webui", n8n: "n8n" };
export const containerOf = (service: Service) => `${PREFIX}-${names[service]}`;
export const volumeOf = (service: Service, purpose = "data") => `${containerOf(service)}-${purpose}`;

export interface BackupStack {
    target: Target;
    repository: string;
}

/** Starts Postgres and Neo4j, creates the app volumes; the repository is a volume unless given. */
export function startBackupStack(options: { repository?: string } = {}): BackupStack {
    removeBackupStack();
    docker("network", "create", NETWORK);
    // Hex, as the stacks' passwords are alphanumeric: a password starting with "-" reads as an option to
    // Neo4j's set-initial-password and the container exits (1 run in 64 with base64url).
    const secret = () => crypto.randomBytes(18).toString("hex");
    const superuser = secret();
    const neo4jPassword = secret();
    const initDir = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-init-`));
    fs.chmodSync(initDir, 0o755);
    fs.writeFileSync(path.join(initDir, "10-pa-app-databases.sh"), postgresInitScript(), { mode: 0o755 });
    const dbEnv = APP_DATABASES.flatMap((d) => ["-e", `${passwordEnvVar(d)}=${secret()}`]);
    docker("run", "-d", "--name", containerOf("postgres"), "--network", NETWORK, "--label", `pa.stack=bktest`,
        "-e", `POSTGRES_PASSWORD=${superuser}`, "-e", "POSTGRES_USER=postgres", "-e", "POSTGRES_DB=postgres", ...dbEnv,
        "-v", `${volumeOf("postgres")}:/var/lib/postgresql/data`, "-v", `${initDir}:/docker-entrypoint-initdb.d:ro`, serviceTestImage("postgres"));
    docker("run", "-d", "--name", containerOf("neo4j"), "--network", NETWORK, "-e", `NEO4J_AUTH=neo4j/${neo4jPassword}`,
        "-e", "NEO4J_server_memory_heap_max__size=512m", "-e", "NEO4J_server_memory_pagecache_size=128m",
        "-v", `${volumeOf("neo4j")}:/data`, serviceTestImage("neo4j"));
    for (const v of [volumeOf("openWebui"), volumeOf("n8n")]) docker("volume", "create", v);
    const repository = options.repository ?? `${PREFIX}-repo`;
    waitFor(() => docker("exec", containerOf("postgres"), "sh", "-c", "psql -h localhost -U postgres -d letta -tAc 'select 1' && test -f /var/lib/postgresql/data/postmaster.pid") === "1", 120, "postgres init");
    waitFor(() => neo4j("RETURN 1").includes("1"), 180, "neo4j");
    const services: Service[] = ["postgres", "neo4j", "letta", "openWebui", "n8n"];
    return {
        repository,
        target: {
            stack: "bktest",
            containers: Object.fromEntries(services.map((s) => [s, containerOf(s)])) as Record<Service, string>,
            urls: {},
            volumes: { postgres: { data: volumeOf("postgres") }, neo4j: { data: volumeOf("neo4j"), logs: volumeOf("neo4j", "logs") }, letta: {}, openWebui: { data: volumeOf("openWebui") }, n8n: { data: volumeOf("n8n") } },
            images: Object.fromEntries(services.map((s) => [s, serviceTestImage(s)])) as Record<Service, string>,
            credentials: { neo4jPassword, postgresSuperuserPassword: superuser },
            backup: { repository, image: resticTestImage(), password: secret(), keepDaily: 7, keepWeekly: 4, keepMonthly: 6, keepPoints: 3, verifyReadPercent: 100 },
        },
    };
}

export function removeBackupStack(): void {
    removePrefixed(PREFIX);
}

export function psql(db: string, sql: string): string {
    return execFileSync("docker", ["exec", "-i", containerOf("postgres"), "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "localhost", "-U", "postgres", "-d", db], { input: sql, encoding: "utf8" }).trim();
}

export function neo4j(statement: string): string {
    const body = JSON.stringify({ statements: [{ statement }] });
    return execFileSync("docker", ["exec", "-i", containerOf("neo4j"), "sh", "-c",
        // wget cannot seek a pipe: the body goes through a file.
        'u="${NEO4J_AUTH%%/*}"; p="${NEO4J_AUTH#*/}"; f=$(mktemp); cat >"$f"; wget -qO- --auth-no-challenge --http-user="$u" --http-password="$p" --header="Content-Type: application/json" --post-file="$f" http://localhost:7474/db/neo4j/tx/commit; rc=$?; rm -f "$f"; exit $rc'],
        { input: body, encoding: "utf8" });
}

/** Every table's row count in a database, as the tests compare them. */
export function rowCounts(db: string): Record<string, number> {
    const sql = `SELECT format('SELECT %L || ''=''  || count(*) FROM %I.%I', n.nspname || '.' || c.relname, n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1 \\gexec`;
    return Object.fromEntries(psql(db, sql).split("\n").filter(Boolean).map((l) => { const i = l.lastIndexOf("="); return [l.slice(0, i), Number(l.slice(i + 1))]; }));
}

/** A digest of a database's content, table by table (ordered by every column). */
export function contentDigest(db: string): string {
    const sql = `SELECT format('SELECT %L || '':'' || coalesce(md5(string_agg(t::text, ''|'' ORDER BY t::text)), ''-'') FROM %I.%I t', n.nspname || '.' || c.relname, n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1 \\gexec`;
    return psql(db, sql);
}

/** Generated content for the three app databases, the graph and the volumes. `scale` multiplies rows. */
export function generateDataset(scale = 1): void {
    const n = 2000 * scale;
    psql("letta", `
        CREATE TABLE letta.agents (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text, system text, config jsonb, created_at timestamptz DEFAULT now());
        CREATE TABLE letta.passages (id bigserial PRIMARY KEY, agent_id uuid, text text, embedding letta.vector(8), meta jsonb);
        CREATE TABLE letta.messages (id bigserial PRIMARY KEY, agent_id uuid, role text, content jsonb, created_at timestamptz DEFAULT now());
        INSERT INTO letta.agents (name, system, config) SELECT 'agent ' || g, repeat(md5(g::text), 20), jsonb_build_object('model', 'gpt', 'temperature', g % 10 / 10.0) FROM generate_series(1, 50) g;
        INSERT INTO letta.passages (agent_id, text, embedding, meta) SELECT (SELECT id FROM letta.agents ORDER BY id OFFSET g % 50 LIMIT 1), md5(random()::text) || ' passage ' || g, ARRAY[random(),random(),random(),random(),random(),random(),random(),random()]::letta.vector, jsonb_build_object('n', g) FROM generate_series(1, ${n}) g;
        INSERT INTO letta.messages (agent_id, role, content) SELECT (SELECT id FROM letta.agents ORDER BY id OFFSET g % 50 LIMIT 1), CASE WHEN g % 2 = 0 THEN 'user' ELSE 'assistant' END, jsonb_build_object('text', md5(g::text) || ' é ü 漢字', 'i', g) FROM generate_series(1, ${n * 2}) g;
    `);
    psql("openwebui", `
        CREATE TABLE "user" (id text PRIMARY KEY, name text, email text, settings json);
        CREATE TABLE chat (id text PRIMARY KEY, user_id text, title text, chat json, created_at bigint);
        CREATE TABLE file (id text PRIMARY KEY, filename text, data bytea);
        INSERT INTO "user" SELECT 'u' || g, 'User ' || g, 'user' || g || '@example.org', '{"ui":{"theme":"dark"}}' FROM generate_series(1, 20) g;
        INSERT INTO chat SELECT 'c' || g, 'u' || (g % 20 + 1), 'chat ' || g, json_build_object('messages', json_build_array(json_build_object('role','user','content', md5(g::text)))), extract(epoch from now())::bigint FROM generate_series(1, ${n}) g;
        INSERT INTO file SELECT 'f' || g, 'file' || g || '.bin', decode(repeat(md5(g::text), 64), 'hex') FROM generate_series(1, 100) g;
    `);
    psql("n8n", `
        CREATE TABLE workflow_entity (id varchar(36) PRIMARY KEY, name text, nodes json, active boolean);
        CREATE TABLE execution_entity (id serial PRIMARY KEY, "workflowId" varchar(36), status text, "startedAt" timestamptz DEFAULT now());
        CREATE TABLE execution_data (id serial PRIMARY KEY, "executionId" int, data text);
        INSERT INTO workflow_entity SELECT 'w' || g, 'workflow ' || g, '[{"type":"n8n-nodes-base.webhook"}]', g % 2 = 0 FROM generate_series(1, 30) g;
        INSERT INTO execution_entity ("workflowId", status) SELECT 'w' || (g % 30 + 1), 'success' FROM generate_series(1, ${n}) g;
        INSERT INTO execution_data ("executionId", data) SELECT g, repeat(md5(g::text), 10) FROM generate_series(1, ${n}) g;
    `);
    neo4j(`UNWIND range(1, ${200 * scale}) AS i CREATE (:Person {id: i, name: 'p' + i})`);
    neo4j(`MATCH (a:Person), (b:Person) WHERE b.id = a.id + 1 CREATE (a)-[:KNOWS {since: a.id}]->(b)`);
    const files = `set -e
mkdir -p /v/openWebui/uploads/a/b /v/openWebui/vector_db /v/n8n/binaryData/x
for i in $(seq 1 40); do head -c $((i * 997)) /dev/urandom > /v/openWebui/uploads/a/b/upload-$i.pdf; done
head -c 300000 /dev/urandom > /v/openWebui/vector_db/chroma.sqlite3
for i in $(seq 1 25); do head -c $((i * 311)) /dev/urandom > /v/n8n/binaryData/x/bin-$i; done
printf '{"encryptionKey":"k"}' > /v/n8n/config
touch /v/n8n/empty-file
ln -s config /v/n8n/config-link`;
    docker("run", "--rm", "-v", `${volumeOf("openWebui")}:/v/openWebui`, "-v", `${volumeOf("n8n")}:/v/n8n`, "--entrypoint", "sh", serviceTestImage("postgres"), "-c", files);
}

/** Files and bytes of each volume, as `find` sees them (regular files). */
export function volumeTally(volume: string): { files: number; bytes: number } {
    const out = docker("run", "--rm", "-v", `${volume}:/v:ro`, "--entrypoint", "sh", serviceTestImage("postgres"), "-c", "find /v -type f -printf '%s\\n' | awk '{n++; s+=$1} END {print n+0, s+0}'");
    const [files, bytes] = out.split(" ").map(Number);
    return { files, bytes };
}

export function volumeDigest(volume: string): string {
    return docker("run", "--rm", "-v", `${volume}:/v:ro`, "--entrypoint", "sh", serviceTestImage("postgres"), "-c", "cd /v && find . \\( -type f -o -type l \\) -print0 | sort -z | xargs -0 -r sha256sum 2>/dev/null | sha256sum; find . -type l -printf '%p -> %l\\n' | sort");
}

/** A writer that inserts rows into Letta's messages until stopped (a live production during a backup). */
export function startWriter(): { stop(): Promise<void> } {
    // Killing `docker exec` does not stop the process in the container: the loop ends on a file.
    docker("exec", containerOf("postgres"), "rm", "-f", "/tmp/stop-writer");
    const loop = "while [ ! -f /tmp/stop-writer ]; do psql -X -q -h localhost -U postgres -d letta -c \"INSERT INTO letta.messages (role, content) SELECT 'user', '{}'::jsonb FROM generate_series(1, 50)\" || exit 1; done";
    const child: ChildProcess = spawn("docker", ["exec", containerOf("postgres"), "sh", "-c", loop], { stdio: "ignore" });
    const ended = new Promise<void>((resolve) => child.on("close", () => resolve()));
    return {
        async stop() {
            docker("exec", containerOf("postgres"), "touch", "/tmp/stop-writer");
            await ended;
        },
    };
}
