// The decisions in model/, as plain functions: no Pulumi, no mocks.
import * as assert from "assert";
import { parseStackConfig } from "../../config/read";
import { StackConfig } from "../../config/schema";
import { DEFAULT_PIDS_LIMITS } from "../../model/hardening";
import { LAPTOP_DEFAULT_LIMITS, SERVER_DEFAULT_LIMITS, cpusValue, effectiveLimits, goDuration, localUrl, networkAttachments } from "../../model/container";
import { APP_DATABASES, postgresInitScript } from "../../model/databases";
import { environmentSpec } from "../../model/environment";
import { n8nSpec } from "../../model/n8n";
import { neo4jMemorySettings, neo4jSpec } from "../../model/neo4j";
import { openWebuiSpec } from "../../model/openWebui";
import { postgresDataPath, postgresSpec } from "../../model/postgres";
import { fillSecrets, secretRef, secretsIn } from "../../model/secrets";
import { stackFileConfig } from "./harness";

function config(stack: string, overrides: Record<string, string> = {}): StackConfig {
    return parseStackConfig(stack, { ...stackFileConfig(stack), ...overrides });
}

describe("model decisions", () => {
    it("mounts PostgreSQL data where each major keeps it (moved in 18)", () => {
        assert.strictEqual(postgresDataPath(16), "/var/lib/postgresql/data");
        assert.strictEqual(postgresDataPath(17), "/var/lib/postgresql/data");
        assert.strictEqual(postgresDataPath(18), "/var/lib/postgresql");
        const pg18 = config("staging-laptop", {
            "pa:postgresMajorVersion": "18",
            "pa:images": JSON.stringify({ ...JSON.parse(stackFileConfig("staging-laptop")["pa:images"]), postgres: "pgvector/pgvector:0.8.1-pg18" }),
        });
        assert.deepStrictEqual(postgresSpec(pg18).volumes.map((v) => v.containerPath), ["/var/lib/postgresql"]);
    });

    it("checks Postgres health over TCP, not the socket the init server uses", () => {
        assert.match(postgresSpec(config("production")).healthcheck.test[1], /pg_isready -h localhost/);
    });

    it("gives a laptop default memory and CPU limits, a server (production too) default memory limits, unless configured", () => {
        const laptop = config("staging-laptop", { "pa:limits": "{}" });
        assert.deepStrictEqual(effectiveLimits(laptop, "neo4j"), LAPTOP_DEFAULT_LIMITS.neo4j);
        for (const stack of ["production", "staging-server"]) {
            const server = config(stack);
            assert.deepStrictEqual(effectiveLimits(server, "neo4j"), SERVER_DEFAULT_LIMITS.neo4j);
            assert.strictEqual(effectiveLimits(server, "neo4j").cpus, undefined, "no CPU limit on a server by default");
        }
        const limitedServer = config("staging-server", { "pa:limits": JSON.stringify({ neo4j: { memoryMb: 8192, cpus: 2, pids: 8192 } }) });
        assert.deepStrictEqual(effectiveLimits(limitedServer, "neo4j"), { memoryMb: 8192, cpus: 2, pids: 8192 });
        assert.deepStrictEqual(effectiveLimits(limitedServer, "n8n"), SERVER_DEFAULT_LIMITS.n8n);
        assert.strictEqual(neo4jSpec(limitedServer).security.pidsLimit, 8192, "a configured pids limit wins");
        assert.strictEqual(neo4jSpec(config("production")).security.pidsLimit, DEFAULT_PIDS_LIMITS.neo4j);
    });

    it("writes durations and CPUs the way the Docker provider reads them back (no perpetual diff)", () => {
        assert.deepStrictEqual([goDuration(30), goDuration(60), goDuration(90), goDuration(180), goDuration(3725)], ["30s", "1m0s", "1m30s", "3m0s", "1h2m5s"]);
        assert.deepStrictEqual([cpusValue(1), cpusValue(0.5), cpusValue(2)], ["1.0", "0.5", "2.0"]);
    });

    it("sizes the Neo4j heap and page cache inside its memory limit", () => {
        assert.deepStrictEqual(neo4jMemorySettings({ memoryMb: 2048, cpus: 1 }), {
            NEO4J_server_memory_heap_initial__size: "1024m",
            NEO4J_server_memory_heap_max__size: "1024m",
            NEO4J_server_memory_pagecache_size: "512m",
        });
        assert.deepStrictEqual(neo4jMemorySettings(undefined), {});
    });

    it("waits each service's own time for healthy, or the one configured for all", () => {
        const waits = (cfg: StackConfig) => Object.values(environmentSpec(cfg, { openai: false, anthropic: false }).containers).map((c) => c.waitTimeoutSeconds);
        assert.ok(waits(config("production")).every((w) => w >= 180), "defaults leave room for first-start migrations");
        assert.deepStrictEqual(waits(config("production", { "pa:healthWaitSeconds": "90" })), [90, 90, 90, 90, 90]);
    });

    it("puts a database on the front network only when it publishes a port, the gateway only there", () => {
        const port = [{ internal: 5432, external: 5432, ip: "127.0.0.1" }];
        assert.deepStrictEqual(networkAttachments("postgres", "database", []).map((n) => n.role), ["backend"]);
        assert.deepStrictEqual(networkAttachments("postgres", "database", port).map((n) => n.role), ["backend", "frontend"]);
        assert.deepStrictEqual(networkAttachments("n8n", "app", []).map((n) => n.role), ["backend", "frontend"]);
        assert.deepStrictEqual(networkAttachments("gateway", "gateway", port).map((n) => n.role), ["frontend"]);
    });

    it("builds URLs a person can open, also when bound to all interfaces", () => {
        assert.strictEqual(localUrl(config("production"), "n8n"), "http://127.0.0.1:5678");
        assert.strictEqual(localUrl(config("production", { "pa:bindAddress": "0.0.0.0" }), "n8n"), "http://localhost:5678");
        assert.strictEqual(localUrl(config("production"), "postgres"), undefined);
    });

    it("publishes staging's databases on a loopback address only, whatever address the apps bind to", () => {
        const bound = (stack: string, bindAddress?: string) => {
            const cfg = config(stack, bindAddress ? { "pa:bindAddress": bindAddress } : {});
            const ips = (ports: { ip: string }[]) => [...new Set(ports.map((p) => p.ip))];
            const spec = environmentSpec(cfg, { openai: false, anthropic: false });
            return {
                databases: [...ips(spec.containers.postgres.ports), ...ips(spec.containers.neo4j.ports)],
                apps: ips(spec.gateway.ports),
                url: localUrl(cfg, "postgres", "postgresql"),
            };
        };
        assert.deepStrictEqual(bound("staging-laptop"), { databases: ["127.0.0.1", "127.0.0.1"], apps: ["127.0.0.1"], url: "postgresql://127.0.0.1:5432" });
        assert.deepStrictEqual(bound("staging-server"), { databases: ["127.0.0.2", "127.0.0.2"], apps: ["127.0.0.2"], url: "postgresql://127.0.0.2:5432" });
        for (const address of ["0.0.0.0", "192.168.1.20"]) {
            assert.deepStrictEqual(bound("staging-laptop", address), { databases: ["127.0.0.1", "127.0.0.1"], apps: [address], url: "postgresql://127.0.0.1:5432" }, address);
        }
    });

    it("uses configured public URLs for n8n webhooks and Open WebUI, and a secure cookie only over https", () => {
        const cfg = config("production", {
            "pa:publicUrls": JSON.stringify({ n8n: "https://n8n.example.org/", openWebui: "https://chat.example.org" }),
        });
        const n8n = n8nSpec(cfg).env;
        assert.strictEqual(n8n.WEBHOOK_URL, "https://n8n.example.org/");
        assert.strictEqual(n8n.N8N_EDITOR_BASE_URL, "https://n8n.example.org");
        assert.strictEqual(n8n.N8N_SECURE_COOKIE, "true");
        assert.strictEqual(n8nSpec(config("staging-laptop")).env.N8N_SECURE_COOKIE, "false");
        assert.strictEqual(openWebuiSpec(cfg, { openai: false }).env.WEBUI_URL, "https://chat.example.org");
    });

    it("keeps production's persisted Open WebUI settings from overriding staging's env", () => {
        assert.strictEqual(openWebuiSpec(config("staging-laptop"), { openai: false }).env.ENABLE_PERSISTENT_CONFIG, "False");
        assert.strictEqual(openWebuiSpec(config("production"), { openai: false }).env.ENABLE_PERSISTENT_CONFIG, undefined);
    });

    it("hands provider keys to the apps only when configured", () => {
        const cfg = config("production");
        const without = environmentSpec(cfg, { openai: false, anthropic: false }).containers;
        assert.strictEqual(without.letta.env.OPENAI_API_KEY, undefined);
        const withKeys = environmentSpec(cfg, { openai: true, anthropic: true }).containers;
        assert.strictEqual(withKeys.letta.env.OPENAI_API_KEY, secretRef("openaiApiKey"));
        assert.strictEqual(withKeys.letta.env.ANTHROPIC_API_KEY, secretRef("anthropicApiKey"));
        assert.strictEqual(withKeys.openWebui.env.OPENAI_API_KEY, secretRef("openaiApiKey"));
    });

    it("turns on each service's debug output with the debug flag", () => {
        const spec = environmentSpec(config("staging-laptop", { "pa:debug": "true" }), { openai: false, anthropic: false });
        assert.strictEqual(spec.containers.n8n.env.N8N_LOG_LEVEL, "debug");
        assert.strictEqual(spec.containers.openWebui.env.GLOBAL_LOG_LEVEL, "DEBUG");
        assert.strictEqual(spec.containers.letta.env.LETTA_DEBUG, "true");
    });

    it("gives every app its own database and role, and never the same one twice", () => {
        const names = APP_DATABASES.map((d) => d.name);
        assert.deepStrictEqual(names, ["letta", "openwebui", "n8n"]);
        const script = postgresInitScript();
        for (const db of APP_DATABASES) {
            assert.match(script, new RegExp(`\\\\getenv password PA_${db.name.toUpperCase()}_DB_PASSWORD`));
            assert.match(script, new RegExp(`CREATE ROLE "${db.name}" LOGIN PASSWORD :'password';`));
        }
        assert.match(script, /ALTER DATABASE "letta" SET search_path TO "letta";/);
        assert.strictEqual((script.match(/CREATE EXTENSION/g) ?? []).length, 1, "vector only where Letta needs it");
    });

    it("fills secret markers and refuses an unknown one", () => {
        const value = `postgresql://n8n:${secretRef("n8nDbPassword")}@postgres/n8n`;
        assert.deepStrictEqual(secretsIn(value), ["n8nDbPassword"]);
        assert.strictEqual(fillSecrets(value, { n8nDbPassword: "pw" }), "postgresql://n8n:pw@postgres/n8n");
        assert.throws(() => fillSecrets(value, {}), /n8nDbPassword is referenced but has no value/);
    });
});
