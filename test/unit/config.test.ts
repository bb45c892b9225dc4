// Every config rule, each with a bad value: the error names the key, the value and what is allowed,
// and the program fails before it registers any resource.
import * as assert from "assert";
import { ConfigError, parseStackConfig } from "../../config/read";
import { postgresMajorInImage } from "../../config/schema";
import { RawConfig, runStack, stackFileConfig } from "./harness";

const base = stackFileConfig("staging-laptop");
/** The floating tag the schema must refuse. */
const FLOATING_TAG = "latest";

function problemsFor(overrides: RawConfig, stack = "staging-laptop", from: RawConfig = base): string {
    const raw = { ...from, ...overrides };
    for (const [key, value] of Object.entries(raw)) if (value === undefined) delete raw[key];
    try {
        parseStackConfig(stack, raw);
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
        return err.message;
    }
    assert.fail("the config was accepted");
}

const images = (overrides: Record<string, string>) =>
    JSON.stringify({ ...JSON.parse(base["pa:images"]), ...overrides });
const ports = (overrides: Record<string, number | undefined>) =>
    JSON.stringify({ ...JSON.parse(base["pa:ports"]), ...overrides });

describe("stack config validation", () => {
    it("accepts each of the three stack files", () => {
        for (const stack of ["production", "staging-laptop", "staging-server"]) {
            const cfg = parseStackConfig(stack, stackFileConfig(stack));
            assert.strictEqual(cfg.stack, stack);
        }
    });

    it("fills documented defaults", () => {
        const cfg = parseStackConfig("s", {
            "pa:environment": "staging",
            "pa:hostProfile": "laptop",
            "pa:images": base["pa:images"],
        });
        assert.strictEqual(cfg.dockerHost, "unix:///var/run/docker.sock");
        assert.strictEqual(cfg.bindAddress, "127.0.0.1");
        assert.strictEqual(cfg.debug, false);
        assert.deepStrictEqual(cfg.ports, { letta: 8283, openWebui: 8080, n8n: 5678 });
    });

    const cases: Array<[string, RawConfig, RegExp[], string?]> = [
        ["an unknown environment", { "pa:environment": "prod" }, [/pa:environment = "prod"/, /"production"\|"staging"/]],
        ["a missing environment", { "pa:environment": undefined as any }, [/pa:environment = \(missing\)/]],
        ["an unknown host profile", { "pa:hostProfile": "desktop" }, [/pa:hostProfile = "desktop"/, /"laptop"\|"server"/]],
        ["a floating :latest image", { "pa:images": images({ n8n: `n8nio/n8n:${FLOATING_TAG}` }) }, [/pa:images\.n8n = "n8nio\/n8n:latest"/, /':latest'/]],
        ["an untagged image", { "pa:images": images({ neo4j: "neo4j" }) }, [/pa:images\.neo4j = "neo4j"/, /pinned to a version tag/]],
        ["a missing image", { "pa:images": JSON.stringify({ postgres: "pgvector/pgvector:0.8.1-pg17" }) }, [/pa:images\.letta = \(missing\)/]],
        ["a port out of range", { "pa:ports": ports({ n8n: 70000 }) }, [/pa:ports\.n8n = 70000/, /65535/]],
        ["two services on one host port", { "pa:ports": ports({ n8n: 8080 }) }, [/pa:ports\.n8n = 8080/, /already used by ports\.openWebui/]],
        ["a bind address that is no IPv4 address", { "pa:bindAddress": "localhost" }, [/pa:bindAddress = "localhost"/, /IPv4/]],
        ["a Docker host of an unknown scheme", { "pa:dockerHost": "http://server" }, [/pa:dockerHost = "http:\/\/server"/, /ssh:\/\/user@host/]],
        ["an ssh Docker host without a user", { "pa:dockerHost": "ssh://server" }, [/pa:dockerHost/, /ssh:\/\/user@host/]],
        ["an ssh Docker host whose user would be an ssh option", { "pa:dockerHost": "ssh://-oProxyCommand@server" }, [/pa:dockerHost/, /start with a letter or digit/]],
        ["an ssh Docker host whose host would be an ssh option", { "pa:dockerHost": "ssh://me@-server" }, [/pa:dockerHost/, /start with a letter or digit/]],
        ["a plaintext tcp:// Docker host", { "pa:dockerHost": "tcp://server:2375" }, [/pa:dockerHost = "tcp:\/\/server:2375"/, /tcp:\/\/ is refused/, /use ssh:\/\/user@host/]],
        ["a debug flag that is no boolean", { "pa:debug": "yes" }, [/pa:debug = "yes"/, /boolean/]],
        ["a limit below 64 MiB", { "pa:limits": JSON.stringify({ n8n: { memoryMb: 10, cpus: 1 } }) }, [/pa:limits\.n8n\.memoryMb = 10/, /at least 64/]],
        ["a CPU limit with two decimals", { "pa:limits": JSON.stringify({ n8n: { memoryMb: 512, cpus: 1.25 } }) }, [/pa:limits\.n8n\.cpus = 1\.25/, /one decimal/]],
        ["a limit without memory", { "pa:limits": JSON.stringify({ n8n: { cpus: 1 } }) }, [/pa:limits\.n8n\.memoryMb = \(missing\)/]],
        ["a pids limit below 64", { "pa:limits": JSON.stringify({ n8n: { memoryMb: 512, pids: 10 } }) }, [/pa:limits\.n8n\.pids = 10/, /at least 64/]],
        ["a limit for an unknown service", { "pa:limits": JSON.stringify({ redis: { memoryMb: 512, cpus: 1 } }) }, [/pa:limits\.redis: unknown key/]],
        ["a public URL that is not http(s)", { "pa:publicUrls": JSON.stringify({ n8n: "ftp://x" }) }, [/pa:publicUrls\.n8n = "ftp:\/\/x"/, /http:\/\/ or https:\/\//]],
        ["a health wait under 30 s", { "pa:healthWaitSeconds": "5" }, [/pa:healthWaitSeconds = 5/, /at least 30/]],
        ["a misspelt key", { "pa:bindAdress": "127.0.0.1" }, [/pa:bindAdress: unknown key/]],
        ["a Postgres major that contradicts the image", { "pa:postgresMajorVersion": "18" }, [/pa:postgresMajorVersion = 18/, /is PostgreSQL 17/]],
        ["an object key that is not valid YAML/JSON", { "pa:ports": "{letta: 1" }, [/pa:ports = "\{letta: 1": not a valid YAML\/JSON object/]],
    ];
    for (const [what, overrides, patterns] of cases) {
        it(`rejects ${what}`, () => {
            const message = problemsFor(overrides);
            for (const pattern of patterns) assert.match(message, pattern);
            assert.match(message, /Fix it in Pulumi\.staging-laptop\.yaml/);
        });
    }

    it("rejects a published database port in production", () => {
        const production = stackFileConfig("production");
        const message = problemsFor({ "pa:ports": JSON.stringify({ postgres: 5432, neo4jHttp: 7474 }) }, "production", production);
        assert.match(message, /pa:ports\.postgres = 5432: databases are never published in production/);
        assert.match(message, /pa:ports\.neo4jHttp = 7474: databases are never published in production/);
    });

    it("rejects production on the laptop profile", () => {
        const production = stackFileConfig("production");
        assert.match(problemsFor({ "pa:hostProfile": "laptop" }, "production", production), /pa:hostProfile = "laptop": production runs on the server/);
    });

    it("lists every problem at once", () => {
        const message = problemsFor({ "pa:environment": "prod", "pa:bindAddress": "x" });
        assert.match(message, /pa:environment/);
        assert.match(message, /pa:bindAddress/);
    });

    it("never validates or prints secret config values", () => {
        const cfg = parseStackConfig("staging-laptop", { ...base, "pa:openaiApiKey": "sk-very-secret" });
        assert.strictEqual(JSON.stringify(cfg).includes("sk-very-secret"), false);
        const message = problemsFor({ "pa:openaiApiKey": "sk-very-secret", "pa:environment": "prod" });
        assert.strictEqual(message.includes("sk-very-secret"), false);
    });

    it("stops the program before any resource is registered", async () => {
        await assert.rejects(runStack("staging-laptop", { ...base, "pa:images": images({ letta: `letta/letta:${FLOATING_TAG}` }) }), (err: any) => {
            assert.match(err.message, /pa:images\.letta/);
            assert.strictEqual(err.registeredBeforeFailure, 0);
            return true;
        });
    });

    it("reads the PostgreSQL major from the usual tag shapes", () => {
        assert.strictEqual(postgresMajorInImage("pgvector/pgvector:0.8.1-pg17"), 17);
        assert.strictEqual(postgresMajorInImage("pgvector/pgvector:pg18-trixie"), 18);
        assert.strictEqual(postgresMajorInImage("pa-test/postgres-pgvector:17-trixie"), 17);
        assert.strictEqual(postgresMajorInImage("postgres:16.4"), 16);
        assert.strictEqual(postgresMajorInImage("registry:5000/custom/pg:stable-build"), undefined);
    });
});
