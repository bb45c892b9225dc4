// The data sync's declaration (config rules, the Command on the mock engine) and its decisions as
// plain functions: which columns get which rule, what is scanned, and how the COPY stream is rewritten.
import * as assert from "assert";
import { createHmac } from "crypto";
import { Readable } from "stream";
import { ConfigError, parseStackConfig } from "../../config/read";
import { FILE_SYNC_APPS, SYNC_ENV, SYNC_KEY_DIR, SYNC_KEY_FILE, fileVolumeEnvVar, incomingDatabaseName, previousDatabaseName, syncEnvironment, syncKeyVolumeName } from "../../model/sync";
import { CatalogTable } from "../../sync/catalog";
import { SYNC_CLI_SPEC, appsWaitSeconds, dockerHostEnv, parseArgs, readSyncEnv } from "../../sync/cli";
import { logFilePath } from "../../platform/log";
import { assignLanes } from "../../sync/lanes";
import { planTable } from "../../sync/plan";
import { APP_RULES } from "../../sync/rules";
import { hmacPads, sanitizedEmail } from "../../sync/session-sql";
import { CopyStreamRewriter } from "../../sync/stream";
import { RawConfig, TYPES, byType, isSecretValue, reveal, runStack, stackFileConfig } from "./harness";

const SYNC = JSON.stringify({ request: 3, production: { stack: "production", dockerHost: "ssh://me@server" } });

function problems(stack: string, overrides: RawConfig): string {
    try {
        parseStackConfig(stack, { ...stackFileConfig(stack), ...overrides });
    } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.message;
    }
    return assert.fail("accepted");
}

describe("data sync config", () => {
    it("accepts pa:sync on a staging stack and fills defaults", () => {
        const cfg = parseStackConfig("staging-laptop", { ...stackFileConfig("staging-laptop"), "pa:sync": JSON.stringify({ request: 1 }) });
        assert.deepStrictEqual(cfg.sync, { request: 1, sanitize: true, production: { stack: "production" } });
    });
    it("rejects pa:sync on the production stack", () => {
        assert.match(problems("production", { "pa:sync": SYNC }), /pa:sync = .*production is the source of a sync, never its target/);
    });
    it("rejects an unsanitized sync on a laptop", () => {
        assert.match(problems("staging-laptop", { "pa:sync": JSON.stringify({ request: 1, sanitize: false }) }), /pa:sync\.sanitize = false: a laptop must never hold unsanitized/);
    });
    it("allows an unsanitized sync on the server", () => {
        const cfg = parseStackConfig("staging-server", { ...stackFileConfig("staging-server"), "pa:sync": JSON.stringify({ request: 1, sanitize: false }) });
        assert.strictEqual(cfg.sync?.sanitize, false);
    });
    it("names the command that sets pa:sync when it was prepared by hand without a request", () => {
        assert.match(problems("staging-laptop", { "pa:sync": JSON.stringify({ production: { dockerHost: "ssh://me@server" } }) }), /pa:sync\.request = \(missing\): is set by `pa sync`.*--production-host/);
    });
    it("rejects a request that is neither a number nor a short token", () => {
        assert.match(problems("staging-laptop", { "pa:sync": JSON.stringify({ request: "two words" }) }), /pa:sync\.request = "two words"/);
    });
    it("rejects a missing request", () => {
        assert.match(problems("staging-laptop", { "pa:sync": JSON.stringify({}) }), /pa:sync\.request = \(missing\)/);
    });
    it("rejects a production Docker host of an unknown scheme", () => {
        assert.match(problems("staging-laptop", { "pa:sync": JSON.stringify({ request: 1, production: { dockerHost: "http://server" } }) }), /pa:sync\.production\.dockerHost = "http:\/\/server"/);
    });
    it("rejects an unknown key under pa:sync", () => {
        assert.match(problems("staging-laptop", { "pa:sync": JSON.stringify({ request: 1, schedule: "daily" }) }), /pa:sync\.schedule: unknown key/);
    });
});

describe("data sync declaration", () => {
    it("declares no sync resources unless pa:sync is set", async () => {
        for (const stack of ["production", "staging-laptop", "staging-server"]) {
            const run = await runStack(stack, stackFileConfig(stack));
            assert.deepStrictEqual(byType(run, TYPES.command).filter((c) => !c.name.endsWith("-pids-limit")), [], stack);
            assert.strictEqual(byType(run, "pa:index:DataSync").length, 0, stack);
        }
    });

    it("runs the sync CLI as a Command triggered by pa:sync.request, without the pseudonym key", async () => {
        const run = await runStack("staging-laptop", { ...stackFileConfig("staging-laptop"), "pa:sync": SYNC });
        const sync = byType(run, TYPES.command).find((c) => c.name === "sync-production-data");
        assert.ok(sync, "no Command declared");
        assert.deepStrictEqual(reveal(sync.inputs.triggers), [3]);
        // Relative to the program's folder, where the provider runs it without `dir`: the same on every machine.
        assert.strictEqual(reveal(sync.inputs.create), "node -r ts-node/register/transpile-only sync/cli.ts --json");
        assert.strictEqual(sync.inputs.dir, undefined);
        assert.ok(!JSON.stringify(reveal(sync.inputs)).includes(process.cwd()), "the repository's absolute path is in the Command's inputs");
        const env = reveal(sync.inputs.environment);
        // The key is production's (below): staging's stack, and the laptop running it, never hold it.
        assert.strictEqual(byType(run, TYPES.password).filter((p) => p.name === "sync-pseudonym-key").length, 0);
        assert.ok(!Object.keys(env).some((name) => /KEY$/.test(name)), "a key in the sync's environment");
        assert.strictEqual(env.PA_SYNC_PRODUCTION_STACK, "production", "the stack whose key volume the sidecars mount");
        assert.strictEqual(env.PA_SYNC_PRODUCTION_POSTGRES, "pa-production-postgres");
        assert.strictEqual(env.PA_SYNC_PRODUCTION_DOCKER_HOST, "ssh://me@server");
        assert.strictEqual(env.PA_SYNC_STAGING_POSTGRES, "pa-staging-laptop-postgres");
        assert.strictEqual(env.PA_SYNC_SANITIZE, "true");
        // The files part works on the apps' data volumes, by their stable names.
        assert.strictEqual(env.PA_SYNC_PRODUCTION_N8N_VOLUME, "pa-production-n8n-data");
        assert.strictEqual(env.PA_SYNC_STAGING_N8N_VOLUME, "pa-staging-laptop-n8n-data");
        assert.strictEqual(env.PA_SYNC_PRODUCTION_OPEN_WEBUI_VOLUME, "pa-production-open-webui-data");
        assert.strictEqual(env.PA_SYNC_STAGING_OPEN_WEBUI_VOLUME, "pa-staging-laptop-open-webui-data");
        assert.ok(sync.dependencies.some((urn) => urn.endsWith("docker:index/container:Container::pa-staging-laptop-postgres") || /Container::.*postgres/.test(urn)), "the sync must wait for staging's Postgres");
        // The summary line is a stack output scripts/sync-production-data.sh reads.
        assert.strictEqual(run.outputs.syncSummary, '{"ok":true,"rows":3}');
    });

    it("keeps the pseudonym key in production: a generated secret written into a volume by a holder that never runs", async () => {
        const run = await runStack("production", stackFileConfig("production"));
        const [volume] = byType(run, TYPES.volume).filter((v) => v.name === "sync-key");
        assert.strictEqual(volume.inputs.name, syncKeyVolumeName("production"));
        const [holder] = byType(run, TYPES.container).filter((c) => c.name === "sync-key-holder");
        assert.strictEqual(holder.inputs.start, false);
        assert.strictEqual(holder.inputs.mustRun, false);
        assert.strictEqual(holder.inputs.networkMode, "none");
        assert.deepStrictEqual(holder.inputs.volumes, [{ volumeName: syncKeyVolumeName("production"), containerPath: SYNC_KEY_DIR }]);
        const [upload] = holder.inputs.uploads;
        assert.strictEqual(upload.file, `${SYNC_KEY_DIR}/${SYNC_KEY_FILE}`);
        assert.ok(isSecretValue(upload.content), "the key must stay a secret in the state");
        assert.strictEqual(reveal(upload.content), run.generated["sync-pseudonym-key"]);
        assert.ok(!JSON.stringify(run.outputs).includes(run.generated["sync-pseudonym-key"]), "the key is in a stack output");
        for (const stack of ["staging-laptop", "staging-server"]) {
            const staging = await runStack(stack, stackFileConfig(stack));
            assert.strictEqual(byType(staging, TYPES.container).filter((c) => c.name === "sync-key-holder").length, 0, stack);
        }
    });
});

const table = (name: string, columns: Array<[string, string, string, boolean?]>): CatalogTable => ({
    schema: "public",
    name,
    columns: columns.map(([column, type, category, notNull]) => ({ name: column, type, category, notNull: notNull ?? false })),
    pages: 0,
});

describe("sync decisions", () => {
    it("looks for untabled names only in conversation columns, each of them a free-text column of its app", () => {
        for (const [app, rules] of Object.entries(APP_RULES)) {
            for (const column of rules.conversations) assert.strictEqual(rules.columns[column], "text", `${app}: ${column}`);
        }
        const messages = table("chat_message", [["id", "text", "S"], ["content", "json", "U"], ["meta", "json", "U"]]);
        const plan = planTable(messages, { app: "openWebui", sanitize: true });
        assert.deepStrictEqual(plan.rowColumns.map((c) => [c.name, c.text, c.people]), [["id", false, false], ["content", true, true], ["meta", true, false]]);
    });

    const user = table("user", [["id", "uuid", "U"], ["email", "varchar", "S"], ["firstName", "varchar", "S"], ["createdAt", "timestamptz", "D"], ["settings", "json", "U"], ["mfaSecret", "text", "S"], ["nickname", "text", "S"]]);

    it("applies the known rules, leaves unknown columns as they are and scans every column that can hold text", () => {
        const plan = planTable(user, { app: "n8n", sanitize: true });
        assert.deepStrictEqual(plan.appliedRules, { email: "email", firstName: "firstName", settings: "text", mfaSecret: "secret" });
        // Columns replaced whole by a constant or a pseudonym cannot leak; free text and unknown columns are scanned.
        assert.deepStrictEqual(plan.scannedColumns, ["settings", "nickname"]);
        // Whole-value rules run in SQL; free text comes raw, for the row sanitizer, which also scans the rest.
        assert.match(plan.select, /pg_temp\.pa_email\(t\."email"\) AS "email"/);
        assert.match(plan.select, /t\."settings" AS "settings"/);
        assert.match(plan.select, /t\."nickname" AS "nickname"/);
        assert.deepStrictEqual(
            plan.rowColumns.filter((c) => c.text || c.scan).map((c) => `${c.name}:${c.text ? "text" : "scan"}`),
            ["settings:text", "nickname:scan"],
        );
    });

    it("without sanitizing still removes secrets and switches off side effects, and scans nothing", () => {
        const workflows = table("workflow_entity", [["id", "varchar", "S"], ["name", "varchar", "S"], ["active", "bool", "B"]]);
        assert.deepStrictEqual(planTable(workflows, { app: "n8n", sanitize: false }).appliedRules, { active: "off" });
        const plan = planTable(user, { app: "n8n", sanitize: false });
        assert.deepStrictEqual(plan.appliedRules, { mfaSecret: "secret" });
        assert.deepStrictEqual(plan.scannedColumns, []);
    });

    it("keeps scanning a whole-value column that has a per-row override", () => {
        const config = table("config", [["key", "varchar", "S"], ["value", "json", "U"]]);
        const rules = { columns: { "config.value": "secret" as const }, emptyTables: [], nameSources: [], conversations: [], overrides: { "config.value": "NULL" } };
        assert.deepStrictEqual(planTable(config, { app: "openWebui", sanitize: true }, rules).scannedColumns, ["key", "value"]);
    });

    it("reads part of a table through a TID range, the last part open-ended", () => {
        const plan = planTable(user, { app: "n8n", sanitize: true });
        assert.match(plan.selectPages({ from: 0, to: 512 }), /WHERE t\.ctid >= '\(0,0\)'::tid AND t\.ctid < '\(512,0\)'::tid$/);
        assert.match(plan.selectPages({ from: 512 }), /WHERE t\.ctid >= '\(512,0\)'::tid$/);
        const emptied = planTable(table("credentials_entity", [["id", "varchar", "S"]]), { app: "n8n", sanitize: true });
        assert.match(emptied.selectPages({ from: 0 }), / WHERE false AND t\.ctid/);
    });

    it("splits big tables between lanes by pages and balances the pieces", () => {
        // One big table (3000 pages) and two small ones: the big one is cut in two, each small one goes to the lighter lane.
        const lanes = assignLanes([3000, 10, 5], 2, 1024);
        assert.deepStrictEqual(lanes, [
            [{ table: 0, range: { from: 0, to: 1500 } }, { table: 1 }],
            [{ table: 0, range: { from: 1500 } }, { table: 2 }],
        ]);
        assert.deepStrictEqual(assignLanes([10, 5], 2, 1024), [[{ table: 0 }], [{ table: 1 }]]);
        assert.deepStrictEqual(assignLanes([3000], 1, 1024), [[{ table: 0 }]]);
        // Every table is copied exactly once: the pieces of a split table cover all its pages.
        const pieces = assignLanes([5000, 4000, 2000, 1], 3, 1024).flat();
        for (const table of [0, 1, 2]) {
            const ranges = pieces.filter((p) => p.table === table).map((p) => p.range!).sort((a, b) => a.from - b.from);
            assert.strictEqual(ranges[0].from, 0);
            ranges.slice(1).forEach((r, i) => assert.strictEqual(r.from, ranges[i].to));
            assert.strictEqual(ranges[ranges.length - 1].to, undefined);
        }
        assert.strictEqual(pieces.filter((p) => p.table === 3).length, 1);
    });

    it("copies secret tables without rows", () => {
        const plan = planTable(table("credentials_entity", [["id", "varchar", "S"], ["data", "text", "S", true]]), { app: "n8n", sanitize: true });
        assert.ok(plan.emptied);
        assert.match(plan.select, / WHERE false/);
    });

    it("keeps NOT NULL secret columns valid", () => {
        const plan = planTable(table("sandbox_environment_variables", [["value", "varchar", "S", true]]), { app: "letta", sanitize: true });
        assert.match(plan.select, /'' AS "value"/);
    });

    it("computes the same HMAC pseudonyms as node's crypto, and the pads of a long key", () => {
        assert.match(sanitizedEmail("k", "Alice@X.org"), /^user-[0-9a-f]{16}@example\.com$/);
        assert.strictEqual(sanitizedEmail("k", " Alice@X.org"), `user-${createHmac("sha256", "k").update("alice@x.org").digest("hex").slice(0, 16)}@example.com`);
        assert.strictEqual(hmacPads("x".repeat(100)).inner.length, 128);
    });

    it("rewrites a stream of COPY outputs into psql input, counting rows per table", async () => {
        const marker = "END-abc";
        const rewriter = new CopyStreamRewriter([{ qualifiedName: '"public"."a"', columnList: '"x"' }, { qualifiedName: '"public"."b"', columnList: '"y"' }], marker);
        const chunks = ["1\n2\n", "END-a", "bc\nEND-abc\n"];
        const out: string[] = [];
        await new Promise<void>((resolve, reject) => {
            Readable.from(chunks.map((c) => Buffer.from(c))).pipe(rewriter).on("data", (c: Buffer | string) => out.push(c.toString())).on("end", resolve).on("error", reject);
        });
        assert.strictEqual(out.join(""), 'COPY "public"."a" ("x") FROM STDIN;\n1\n2\n\\.\nCOPY "public"."b" ("y") FROM STDIN;\n\\.\n');
        assert.deepStrictEqual(rewriter.rowCounts, [2, 0]);
    });

    it("names the incoming and previous databases, the log file and the CLI's environment", () => {
        assert.strictEqual(incomingDatabaseName("n8n"), "n8n__pa_incoming");
        assert.strictEqual(previousDatabaseName("n8n"), "n8n__pa_previous");
        assert.strictEqual(logFilePath("/repo", "sync", new Date("2026-03-04T05:06:07Z")), "/repo/logs/staging/sync-20260304.log");
        assert.strictEqual(logFilePath("/repo", "sync", new Date("2026-03-04T05:06:07Z"), "/tmp/x"), "/tmp/x/sync-20260304.log");
        const env = syncEnvironment({ productionStack: "production", stagingStack: "staging-server", sanitize: false });
        // Stacks, not container names: apps get a new name per replacement and are found by label.
        assert.strictEqual(env.PA_SYNC_STAGING_STACK, "staging-server");
        assert.strictEqual(env.PA_SYNC_PRODUCTION_STACK, "production");
        assert.strictEqual(env.PA_SYNC_PRODUCTION_DOCKER_HOST, undefined);
    });

    it("reads how long to wait for the restarted apps, 600 s by default, and rejects a non-number", () => {
        assert.strictEqual(appsWaitSeconds({}), 600);
        assert.strictEqual(appsWaitSeconds({ PA_SYNC_APPS_WAIT_SECONDS: "30" }), 30);
        assert.throws(() => appsWaitSeconds({ PA_SYNC_APPS_WAIT_SECONDS: "5m" }), /PA_SYNC_APPS_WAIT_SECONDS takes a whole number of seconds above 0, not '5m'/);
        assert.throws(() => appsWaitSeconds({ PA_SYNC_APPS_WAIT_SECONDS: "0" }), /above 0, not '0'/);
    });

    it("checks the Docker hosts it is given as pa:dockerHost is checked", () => {
        assert.strictEqual(dockerHostEnv({}, "PA_SYNC_PRODUCTION_DOCKER_HOST"), undefined);
        assert.strictEqual(dockerHostEnv({ PA_SYNC_PRODUCTION_DOCKER_HOST: "ssh://me@server:2222" }, "PA_SYNC_PRODUCTION_DOCKER_HOST"), "ssh://me@server:2222");
        assert.throws(() => dockerHostEnv({ PA_SYNC_PRODUCTION_DOCKER_HOST: "tcp://server:2375" }, "PA_SYNC_PRODUCTION_DOCKER_HOST"), /PA_SYNC_PRODUCTION_DOCKER_HOST = "tcp:\/\/server:2375": tcp:\/\/ is refused/);
        assert.throws(() => dockerHostEnv({ PA_SYNC_STAGING_DOCKER_HOST: "ssh://-oProxyCommand@x" }, "PA_SYNC_STAGING_DOCKER_HOST"), /start with a letter or digit/);
    });

    it("parses the CLI's arguments and rejects unknown ones", () => {
        const args = parseArgs(["--json", "--apps", "letta,n8n"]);
        assert.deepStrictEqual([args.json, args.apps, args.parts], [true, ["letta", "n8n"], undefined]);
        assert.throws(() => parseArgs(["--apps", "redis"]), /--apps takes a list/);
        assert.throws(() => parseArgs(["--force"]), /unknown option '--force' \(see sync-cli --help\)/);
    });

    it("defines its environment once: what the stack writes, what the CLI reads and what its --help lists", () => {
        const written = syncEnvironment({ productionStack: "production", productionDockerHost: "ssh://me@server", stagingStack: "staging-laptop", sanitize: true, phoneRegions: ["DE"], sshKnownHosts: "/k" });
        for (const name of Object.keys(written)) assert.ok(name in SYNC_ENV, `${name} is written but not defined`);
        for (const app of FILE_SYNC_APPS) for (const side of ["production", "staging"] as const) assert.ok(fileVolumeEnvVar(side, app) in SYNC_ENV, fileVolumeEnvVar(side, app));
        assert.deepStrictEqual(readSyncEnv({ PA_SYNC_STAGING_POSTGRES: "s", HOME: "/root", PA_SYNC_TYPO: "x" }), { PA_SYNC_STAGING_POSTGRES: "s" });
        const help = SYNC_CLI_SPEC.details ?? "";
        for (const name of Object.keys(SYNC_ENV)) assert.match(help, new RegExp(`^  ${name} `, "m"), `${name} missing from --help`);
    });
});
