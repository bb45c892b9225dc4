// The critical paths end to end. With writes (staging): write/read/delete in each app database and
// in Neo4j, a Letta agent created/read/deleted, an Open WebUI account signed up, signed in and
// removed, an n8n workflow imported, run and its execution read back. Every path removes what it
// made, also when it fails halfway. Without writes (production): read-only checks of the same paths.
import * as crypto from "crypto";
import { APP_DATABASES, appDatabase } from "../../model/databases";
import { appSql, cypher } from "./databases";
import { Probes } from "./health";
import { Target } from "../stacks/target";

export interface PathResult {
    path: string;
    ok: boolean;
    ms: number;
    detail: string;
}

export interface WorkflowReport {
    stack: string;
    writes: boolean;
    ok: boolean;
    results: PathResult[];
}

export interface WorkflowOptions {
    allowWrites: boolean;
    /** An existing Open WebUI account to sign in with (PA_OPENWEBUI_TEST_EMAIL / _PASSWORD). */
    openWebuiAccount?: { email: string; password: string };
}

type PathRun = () => Promise<string>;

export async function runWorkflowTests(target: Target, probes: Probes, options: WorkflowOptions): Promise<WorkflowReport> {
    const id = crypto.randomBytes(6).toString("hex");
    const paths: [string, PathRun][] = options.allowWrites
        ? [
              ...APP_DATABASES.map((db): [string, PathRun] => [`postgres ${db.name}: write/read/delete`, () => databaseRoundTrip(target, probes, db.name, id)]),
              ["neo4j: write/read/delete", () => neo4jRoundTrip(target, probes, id)],
              ["letta: create/read/delete agent", () => lettaRoundTrip(target, probes, id)],
              ["open-webui: sign in with a test account", () => openWebuiSignIn(target, probes, id, options.openWebuiAccount)],
              ["n8n: import/run/read workflow", () => n8nRoundTrip(target, probes, id)],
          ]
        : [
              ...APP_DATABASES.map((db): [string, PathRun] => [`postgres ${db.name}: read`, () => databaseRead(target, probes, db.name)]),
              ["neo4j: read", () => neo4jRead(target, probes)],
              ["letta: list agents", () => lettaRead(target, probes)],
              ["open-webui: sign in / read config", () => openWebuiRead(target, probes, options.openWebuiAccount)],
              ["n8n: read settings", () => n8nRead(target, probes)],
          ];
    const results: PathResult[] = [];
    // One path at a time: n8n's CLI run and Letta's agent creation are heavy on a small machine.
    for (const [name, run] of paths) {
        const started = performance.now();
        try {
            const detail = await run();
            results.push({ path: name, ok: true, ms: Math.round(performance.now() - started), detail });
        } catch (error) {
            results.push({ path: name, ok: false, ms: Math.round(performance.now() - started), detail: String((error as Error).message ?? error).slice(0, 300) });
        }
    }
    return { stack: target.stack, writes: options.allowWrites, ok: results.every((r) => r.ok), results };
}

function must(condition: boolean, message: string): asserts condition {
    if (!condition) throw new Error(message);
}

async function sql(target: Target, probes: Probes, dbName: string, statement: string): Promise<string> {
    const db = appDatabase(APP_DATABASES.find((d) => d.name === dbName)!.app);
    const result = await appSql(probes.docker, target.containers.postgres, db, statement);
    must(result.ok, `${dbName}: ${result.error ?? "query failed"}`);
    return result.output;
}

async function databaseRoundTrip(target: Target, probes: Probes, dbName: string, id: string): Promise<string> {
    const table = `pa_ops_probe_${id}`;
    try {
        await sql(target, probes, dbName, `CREATE TABLE ${table} (id text PRIMARY KEY, written_at timestamptz DEFAULT now()); INSERT INTO ${table} (id) VALUES ('${id}');`);
        const read = await sql(target, probes, dbName, `SELECT id FROM ${table};`);
        must(read === id, `read back '${read}', expected '${id}'`);
        await sql(target, probes, dbName, `DROP TABLE ${table};`);
        const gone = await sql(target, probes, dbName, `SELECT to_regclass('${table}') IS NULL;`);
        must(gone === "t", "the probe table is still there after DROP");
        return `table ${table} written, read, dropped`;
    } finally {
        await sql(target, probes, dbName, `DROP TABLE IF EXISTS ${table};`).catch(() => undefined);
    }
}

async function databaseRead(target: Target, probes: Probes, dbName: string): Promise<string> {
    const count = await sql(target, probes, dbName, "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema();");
    return `${count} tables in schema`;
}

async function neo4jQuery(target: Target, probes: Probes, statement: string): Promise<string> {
    const result = await cypher(probes.docker, target.containers.neo4j, [statement]);
    must(result.ok, `neo4j: ${result.error ?? "query failed"}`);
    return result.output;
}

async function neo4jRoundTrip(target: Target, probes: Probes, id: string): Promise<string> {
    try {
        await neo4jQuery(target, probes, `CREATE (:PaOpsProbe {id: '${id}'})`);
        const read = await neo4jQuery(target, probes, `MATCH (n:PaOpsProbe {id: '${id}'}) RETURN n.id`);
        must(read === `[[["${id}"]]]`, `read back ${read}`);
        await neo4jQuery(target, probes, `MATCH (n:PaOpsProbe {id: '${id}'}) DETACH DELETE n`);
        const left = await neo4jQuery(target, probes, `MATCH (n:PaOpsProbe {id: '${id}'}) RETURN count(n)`);
        must(left === "[[[0]]]", "the probe node is still there after DELETE");
        return "node written, read, deleted";
    } finally {
        await neo4jQuery(target, probes, `MATCH (n:PaOpsProbe {id: '${id}'}) DETACH DELETE n`).catch(() => undefined);
    }
}

async function neo4jRead(target: Target, probes: Probes): Promise<string> {
    const read = await neo4jQuery(target, probes, "MATCH (n) RETURN count(n)");
    return `${JSON.parse(read)[0][0][0]} nodes`;
}

function lettaHeaders(target: Target): Record<string, string> {
    const password = target.credentials.lettaServerPassword;
    must(typeof password === "string", "no Letta server password in the stack outputs (credentials)");
    return { Authorization: `Bearer ${password}`, "X-BARE-PASSWORD": `password ${password}`, "Content-Type": "application/json" };
}

function url(target: Target, key: "letta" | "openWebui" | "n8n", path: string): string {
    const base = target.urls[key];
    must(base !== undefined, `no published URL for ${key} in the stack outputs`);
    return `${base}${path}`;
}

/** An agent needs a model and an embedding config; creating one calls no LLM. */
const PROBE_AGENT = {
    llm_config: { model: "gpt-4o-mini", model_endpoint_type: "openai", model_endpoint: "https://api.openai.com/v1", context_window: 8192 },
    embedding_config: { embedding_endpoint_type: "openai", embedding_endpoint: "https://api.openai.com/v1", embedding_model: "text-embedding-3-small", embedding_dim: 1536, embedding_chunk_size: 300 },
    memory_blocks: [],
    include_base_tools: false,
};

async function lettaRoundTrip(target: Target, probes: Probes, id: string): Promise<string> {
    const headers = lettaHeaders(target);
    const name = `pa-ops-probe-${id}`;
    const created = await probes.http(url(target, "letta", "/v1/agents/"), { method: "POST", headers, body: JSON.stringify({ name, ...PROBE_AGENT }), timeoutMs: 60_000 });
    must(created.status === 200, `create agent: HTTP ${created.status} ${created.error ?? created.body.slice(0, 200)}`);
    const agentId = (JSON.parse(created.body) as { id: string }).id;
    try {
        const read = await probes.http(url(target, "letta", `/v1/agents/${agentId}`), { headers });
        must(read.status === 200 && read.body.includes(name), `read agent: HTTP ${read.status}`);
    } finally {
        const deleted = await probes.http(url(target, "letta", `/v1/agents/${agentId}`), { method: "DELETE", headers });
        must(deleted.status === 200 || deleted.status === 204, `delete agent ${agentId}: HTTP ${deleted.status}`);
    }
    const gone = await probes.http(url(target, "letta", `/v1/agents/${agentId}`), { headers });
    must(gone.status === 404, `agent ${agentId} still answers HTTP ${gone.status} after delete`);
    return `agent ${agentId} created, read, deleted`;
}

async function lettaRead(target: Target, probes: Probes): Promise<string> {
    const listed = await probes.http(url(target, "letta", "/v1/agents/?limit=1"), { headers: lettaHeaders(target) });
    must(listed.status === 200, `list agents: HTTP ${listed.status}`);
    return "agents listed";
}

async function openWebuiSignInWith(target: Target, probes: Probes, email: string, password: string): Promise<string> {
    const signin = await probes.http(url(target, "openWebui", "/api/v1/auths/signin"), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email, password }),
    });
    must(signin.status === 200, `sign in: HTTP ${signin.status} ${signin.body.slice(0, 200)}`);
    const token = (JSON.parse(signin.body) as { token: string }).token;
    const me = await probes.http(url(target, "openWebui", "/api/v1/auths/"), { headers: { Authorization: `Bearer ${token}` } });
    must(me.status === 200 && me.body.includes(email), `read the signed-in account: HTTP ${me.status}`);
    return token;
}

async function openWebuiSignIn(target: Target, probes: Probes, id: string, account?: { email: string; password: string }): Promise<string> {
    if (account) {
        await openWebuiSignInWith(target, probes, account.email, account.password);
        return `signed in as ${account.email}`;
    }
    // A throwaway account, removed from Open WebUI's database afterwards (no admin token needed).
    const email = `pa-ops-probe-${id}@example.invalid`;
    const password = crypto.randomBytes(18).toString("base64url");
    try {
        const signup = await probes.http(url(target, "openWebui", "/api/v1/auths/signup"), {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ name: "pa ops probe", email, password }),
        });
        must(signup.status === 200, `sign up of a test account: HTTP ${signup.status} ${signup.body.slice(0, 200)} (if sign-up is disabled, set PA_OPENWEBUI_TEST_EMAIL and PA_OPENWEBUI_TEST_PASSWORD)`);
        await openWebuiSignInWith(target, probes, email, password);
        return `test account signed up, signed in, removed`;
    } finally {
        await sql(target, probes, "openwebui", `DELETE FROM auth WHERE email = '${email}'; DELETE FROM "user" WHERE email = '${email}';`).catch(() => undefined);
    }
}

async function openWebuiRead(target: Target, probes: Probes, account?: { email: string; password: string }): Promise<string> {
    if (account) {
        await openWebuiSignInWith(target, probes, account.email, account.password);
        return `signed in as ${account.email}`;
    }
    const config = await probes.http(url(target, "openWebui", "/api/config"));
    must(config.status === 200, `GET /api/config: HTTP ${config.status}`);
    return "config read (set PA_OPENWEBUI_TEST_EMAIL/_PASSWORD to sign in too)";
}

function probeWorkflow(id: string): object {
    return {
        id: `paops${id}`.slice(0, 16),
        name: `pa-ops-probe-${id}`,
        active: false,
        nodes: [
            { id: "a", name: "Start", type: "n8n-nodes-base.manualTrigger", typeVersion: 1, position: [0, 0], parameters: {} },
            {
                id: "b",
                name: "Probe",
                type: "n8n-nodes-base.set",
                typeVersion: 3.4,
                position: [200, 0],
                parameters: { assignments: { assignments: [{ id: "c", name: "probe", value: id, type: "string" }] }, options: {} },
            },
        ],
        connections: { Start: { main: [[{ node: "Probe", type: "main", index: 0 }]] } },
        settings: { saveManualExecutions: true, saveDataSuccessExecution: "all" },
    };
}

async function n8nRoundTrip(target: Target, probes: Probes, id: string): Promise<string> {
    const workflow = probeWorkflow(id) as { id: string };
    const container = target.containers.n8n;
    const file = `/tmp/pa-ops-probe-${id}.json`;
    try {
        const imported = await probes.docker.exec(container, ["sh", "-c", `cat > ${file} && n8n import:workflow --input=${file}`], { stdin: JSON.stringify([workflow]), timeoutMs: 120_000 });
        must(imported.code === 0, `import: ${imported.stderr.trim().slice(-300)}`);
        const run = await probes.docker.exec(container, ["n8n", "execute", `--id=${workflow.id}`, "--rawOutput"], { timeoutMs: 180_000 });
        must(run.code === 0 && run.stdout.includes(id), `run: exit ${run.code} ${(run.stderr || run.stdout).trim().slice(-300)}`);
        const status = await sql(target, probes, "n8n", `SELECT status FROM execution_entity WHERE "workflowId" = '${workflow.id}' ORDER BY id DESC LIMIT 1;`);
        must(status === "success", `execution status in the database: '${status}'`);
        return `workflow ${workflow.id} imported, run (status ${status}), deleted`;
    } finally {
        await sql(target, probes, "n8n", `DELETE FROM execution_entity WHERE "workflowId" = '${workflow.id}'; DELETE FROM workflow_entity WHERE id = '${workflow.id}';`).catch(() => undefined);
        await probes.docker.exec(container, ["rm", "-f", file]).catch(() => undefined);
    }
}

async function n8nRead(target: Target, probes: Probes): Promise<string> {
    const settings = await probes.http(url(target, "n8n", "/rest/settings"));
    must(settings.status === 200, `GET /rest/settings: HTTP ${settings.status}`);
    return "settings read";
}

export function formatWorkflowReport(report: WorkflowReport): string {
    const lines = report.results.map((r) => `${r.ok ? "ok  " : "FAIL"}  ${r.path.padEnd(42)} ${String(r.ms).padStart(6)} ms  ${r.detail}`);
    lines.push("", `${report.stack} (${report.writes ? "write paths" : "read-only"}): ${report.ok ? "all paths passed" : "FAILED"}`);
    return lines.join("\n");
}
