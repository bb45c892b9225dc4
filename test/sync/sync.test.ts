// The sync against real PostgreSQL: a laptop sync leaves no planted value anywhere, keeps row counts,
// constraints and Letta's layout, is deterministic, fails closed on an unknown column holding emails,
// and a sync killed at any step leaves the previous staging data intact and usable.
import * as assert from "assert";
import { EXIT } from "../../platform/exitCodes";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { APP_DATABASES } from "../../model/databases";
import { docker } from "../support/docker";
import { LETTA_DEFAULT_USER_ID } from "../../sync/rules";
import { sanitizedEmail } from "../../sync/session-sql";
import { PEOPLE, SECRETS, oddPlantedValues, plantedValues } from "./dataset";
import { PRODUCTION, REPO, STAGING, SYNC_KEY, SYNC_KEY_VOLUME, dump, fillProduction, resetDatabases, rowCounts, runCli, sql, startCli } from "./env";

const EMPTIED = ["public.credentials_entity", "public.shared_credentials", "public.webhook_entity", "public.oauth_session"];
const LOG_DIR = path.join(REPO, "logs/staging-test");

function stagingFingerprint(): string {
    return APP_DATABASES.map((db) => JSON.stringify(rowCounts(STAGING, db.name)) + sql(STAGING, db.name, db.name === "openwebui" ? `SELECT string_agg(email, ',' ORDER BY id) FROM "user";` : `SELECT 1;`)).join("\n");
}

describe("production -> staging sync (real PostgreSQL)", function () {
    before(() => {
        fs.rmSync(LOG_DIR, { recursive: true, force: true });
        fillProduction({ rows: 3000 });
        resetDatabases(STAGING);
    });

    let firstEmails = "";

    it("a laptop sync leaves no planted value in the staging databases or in the files it wrote", async () => {
        const run = await runCli(["--json"]);
        assert.strictEqual(run.code, 0, run.stderr + run.stdout);
        const summary = JSON.parse(run.stdout.trim().split("\n").pop()!);
        assert.strictEqual(summary.ok, true);
        assert.ok(summary.rows > 3000, `rows: ${summary.rows}`);
        const everything = APP_DATABASES.map((db) => dump(STAGING, db.name)).join("\n") + fs.readdirSync(LOG_DIR).map((f) => fs.readFileSync(path.join(LOG_DIR, f), "utf8")).join("\n") + run.stdout + run.stderr;
        const found = [...plantedValues(), ...oddPlantedValues()].filter((value) => everything.includes(value));
        assert.deepStrictEqual(found, [], "planted personal data reached staging");
        for (const secret of Object.values(SECRETS)) assert.ok(!everything.includes(secret), "a secret reached staging");
        assert.ok(!everything.includes(SYNC_KEY), "the key was written somewhere");
        // The untabled name, in a Letta message, a memory block and an Open WebUI chat: found by the tagger, and counted.
        const person = summary.databases.reduce((n: number, db: { replaced: Record<string, number> }) => n + (db.replaced.person ?? 0), 0);
        assert.ok(person >= 3, `names found by the tagger: ${person}`);
        assert.match(sql(STAGING, "letta", `SELECT text FROM messages WHERE id = 'message-untabled';`), /^Yesterday I had lunch with Test User at the new place\.$/m);
        firstEmails = sql(STAGING, "openwebui", `SELECT string_agg(email, ',' ORDER BY id) FROM "user";`);
    });

    it("keeps every row (except the emptied secret tables), the constraints and Letta's layout", () => {
        for (const db of APP_DATABASES) {
            const production = rowCounts(PRODUCTION, db.name);
            const staging = rowCounts(STAGING, db.name);
            for (const [table, count] of Object.entries(production)) {
                const expected = db.name === "n8n" || db.name === "openwebui" ? (EMPTIED.includes(table) ? 0 : count) : count;
                assert.strictEqual(staging[table], expected, `${db.name} ${table}`);
            }
            const constraints = `SELECT contype || count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname NOT IN ('pg_catalog','information_schema') GROUP BY contype ORDER BY 1;`;
            assert.strictEqual(sql(STAGING, db.name, constraints), sql(PRODUCTION, db.name, constraints), `${db.name}: constraints`);
        }
        assert.strictEqual(sql(STAGING, "letta", "SHOW search_path;").trim(), "letta");
        assert.strictEqual(sql(STAGING, "letta", "SELECT extnamespace::regnamespace FROM pg_extension WHERE extname = 'vector';").trim(), "letta");
        assert.strictEqual(sql(STAGING, "letta", "SELECT count(*) FROM pg_namespace WHERE nspname = 'public';").trim(), "0");
    });

    it("replaces emails with keyed, unique pseudonyms and neutralizes secrets and side effects", () => {
        const emails = sql(STAGING, "openwebui", `SELECT email FROM "user" ORDER BY id;`).trim().split("\n");
        assert.strictEqual(new Set(emails).size, PEOPLE.length);
        assert.deepStrictEqual(emails, PEOPLE.map((p) => sanitizedEmail(SYNC_KEY, p.email)).sort((a, b) => emails.indexOf(a) - emails.indexOf(b)));
        assert.ok(emails.includes(sanitizedEmail(SYNC_KEY, PEOPLE[0].email)));
        assert.strictEqual(sql(STAGING, "openwebui", `SELECT DISTINCT name FROM "user";`).trim(), "Test User");
        assert.strictEqual(sql(STAGING, "n8n", `SELECT count(*) FROM workflow_entity WHERE active;`).trim(), "0");
        assert.strictEqual(sql(STAGING, "openwebui", `SELECT count(*) FROM automation WHERE is_active;`).trim(), "0");
        assert.strictEqual(sql(STAGING, "letta", `SELECT count(*) FROM providers WHERE api_key IS NOT NULL;`).trim(), "0");
        assert.strictEqual(sql(STAGING, "openwebui", `SELECT count(*) FROM auth WHERE password IS NOT NULL;`).trim(), "0");
        assert.strictEqual(sql(STAGING, "n8n", `SELECT count(*) FROM "user" WHERE password IS NOT NULL;`).trim(), "0");
        assert.strictEqual(sql(STAGING, "letta", `SELECT count(*) FROM jobs WHERE callback_url IS NOT NULL;`).trim(), "0");
        assert.match(sql(STAGING, "n8n", `SELECT name FROM project WHERE id = 'proj0';`), /^Test User <user-[0-9a-f]{16}@example\.com>/);
        // Escaped characters survive the round trip through the row sanitizer.
        assert.strictEqual(
            sql(STAGING, "openwebui", `SELECT content FROM memory WHERE id = 'mem1';`).replace(/\n$/, ""),
            `Tab\t${sanitizedEmail(SYNC_KEY, PEOPLE[1].email)}\nback\\slash Test User café`,
        );
        // Open WebUI's config: webhooks and automations off, app-defined keys kept, text sanitized.
        const config = sql(STAGING, "openwebui", `SELECT string_agg(key || '=' || value::text, ',' ORDER BY key) FROM config;`).trim();
        assert.match(config, /^automations\.enable=false,openai\.api_keys=\[\],ui\.default_user_role="pending",ui\.pending_user_overlay_content="Ask Test User at user-[0-9a-f]{16}@example\.com",webhook_url=""$/);
        // Letta's own account keeps its name: it is the app's, not a person's.
        assert.strictEqual(sql(STAGING, "letta", `SELECT name FROM users WHERE id = '${LETTA_DEFAULT_USER_ID}';`).trim(), "default_user");
    });

    it("sanitizes the odd places: escaped and nested JSON, pinned data, other cases, a table no rule knows, secrets by name", () => {
        // A table none of the rules knows: its phone number and birth date blanked, its embedding emptied, its text kept.
        assert.strictEqual(sql(STAGING, "letta", `SELECT coalesce(phone::text, 'null') || '|' || birth_date || '|' || coalesce(embedding::text, 'null') || '|' || note FROM crm_import;`).trim(), "null|1970-01-01|null|imported from the old CRM");
        // Python-escaped JSON comes back as valid JSON with the person gone.
        const chat = JSON.parse(sql(STAGING, "openwebui", `SELECT chat FROM chat WHERE id = 'chat-odd';`)) as { messages: { content: string }[] };
        assert.match(chat.messages[0].content, /^Call Test User on 555-0123 or mail user-[0-9a-f]{16}@example\.com$/);
        const message = JSON.parse(sql(STAGING, "letta", `SELECT content FROM messages WHERE id = 'message-odd';`)) as { text: string }[];
        assert.strictEqual(message[0].text, chat.messages[0].content, "the same pseudonym on both sides");
        // n8n: a JSON document inside a node parameter, and pinned data in capitals.
        const nodes = JSON.parse(sql(STAGING, "n8n", `SELECT nodes FROM workflow_entity WHERE id = 'wf-odd';`)) as { parameters: { jsonOutput: string } }[];
        assert.deepStrictEqual(Object.keys(JSON.parse(nodes[0].parameters.jsonOutput)), ["contact", "note"]);
        assert.strictEqual(JSON.parse(sql(STAGING, "n8n", `SELECT "pinData" FROM workflow_entity WHERE id = 'wf-odd';`)).Webhook[0].json.caller, "Test User");
        // Secrets by name, in every place the apps keep them.
        assert.strictEqual(sql(STAGING, "n8n", `SELECT string_agg(key || '=' || value, ',' ORDER BY key) FROM variables;`).trim(), "REGION=eu-west,SMTP_PASSWORD=");
        const mcp = JSON.parse(sql(STAGING, "letta", `SELECT stdio_config FROM mcp_server WHERE id = 'mcp-1';`)) as { env: Record<string, string>; args: string[] };
        assert.deepStrictEqual(mcp.env, { GITHUB_PERSONAL_ACCESS_TOKEN: "" });
        assert.deepStrictEqual(mcp.args, ["-y", "@modelcontextprotocol/server-github"]);
        // Staging cannot act: the execution that was waiting to resume is cancelled.
        assert.strictEqual(sql(STAGING, "n8n", `SELECT status || '|' || coalesce("waitTill"::text, 'null') FROM execution_entity WHERE id = 999999;`).trim(), "canceled|null");
    });

    it("stops staging's running app containers for the swap, found by their stack label, and starts them again", async () => {
        // An app container as the stack names it after a replacement (pa-<stack>-n8n-<suffix>), running.
        const stack = `synctest-${process.pid}`;
        const app = `pa-${stack}-n8n-${process.pid.toString(16)}`;
        const other = `pa-${stack}-postgres-${process.pid}`;
        const labels = (service: string) => ["--label", `pa.stack=${stack}`, "--label", `pa.service=${service}`, "--label", "pa.test=sync"];
        const started = (name: string) => docker("inspect", "-f", "{{.State.Running}} {{.State.StartedAt}}", name);
        const image = docker("inspect", "-f", "{{.Config.Image}}", STAGING);
        docker("run", "-d", "--init", "--name", app, ...labels("n8n"), "--entrypoint", "sleep", image, "infinity");
        docker("run", "-d", "--init", "--name", other, ...labels("postgres"), "--entrypoint", "sleep", image, "infinity");
        try {
            const [appBefore, otherBefore] = [started(app), started(other)];
            const run = await runCli([], { PA_SYNC_STAGING_STACK: stack, DEBUG: "true" });
            assert.strictEqual(run.code, 0, run.stderr + run.stdout);
            assert.match(run.stdout + run.stderr, new RegExp(`stopped for the swap: ${app}$`, "m"));
            assert.match(run.stdout, new RegExp(`apps restarted on the new data: ${app}, all healthy`));
            assert.match(started(app), /^true /);
            assert.notStrictEqual(started(app), appBefore, "the app container was not restarted");
            assert.strictEqual(started(other), otherBefore, "only app containers stop");
        } finally {
            docker("rm", "-f", app, other);
        }
    });

    it("gives the same sanitized values on a second sync", async () => {
        const run = await runCli();
        assert.strictEqual(run.code, 0, run.stderr);
        assert.strictEqual(sql(STAGING, "openwebui", `SELECT string_agg(email, ',' ORDER BY id) FROM "user";`), firstEmails);
    });

    it("leaves no names list on production after a completed run", () => {
        const listing = spawnSync("docker", ["exec", PRODUCTION, "sh", "-c", "ls -d /tmp/pa-sync-* 2>/dev/null || true"], { encoding: "utf8" });
        assert.strictEqual(listing.stdout.trim(), "");
    });

    for (const [point, afterLine] of [
        ["while collecting names", "collecting person names"],
        ["while copying the schema", "schema (pre-data)"],
        ["while copying rows", "rows (sanitized"],
        ["while building indexes", "indexes and constraints"],
    ] as const) {
        it(`a sync killed ${point} leaves the previous staging data intact and usable`, async () => {
            const before = stagingFingerprint();
            const child = startCli([], { DEBUG: "true" });
            await new Promise<void>((resolve) => {
                let seen = "";
                child.stdout.on("data", (c: Buffer) => {
                    seen += c.toString();
                    if (seen.includes(afterLine)) {
                        child.kill("SIGKILL");
                        resolve();
                    }
                });
                child.on("close", () => resolve());
            });
            await new Promise((r) => child.on("close", r));
            assert.strictEqual(stagingFingerprint(), before, "staging changed");
            // Usable: the live databases accept connections and queries.
            assert.strictEqual(sql(STAGING, "n8n", `SELECT count(*) > 0 FROM "user";`).trim(), "t");
        });
    }

    it("recovers on the next run after the kills", async () => {
        const run = await runCli();
        assert.strictEqual(run.code, 0, run.stderr);
        const leftovers = sql(STAGING, "postgres", `SELECT count(*) FROM pg_database WHERE datname LIKE '%__pa_%';`).trim();
        assert.strictEqual(leftovers, "0");
    });

    it("refuses an unsanitized sync into another host's engine (a second engine, as a laptop's), before touching staging", async () => {
        const other = process.env.PA_SYNCTEST_OTHER_ENGINE;
        assert.ok(other, "test/sync/run.sh starts a second engine and sets PA_SYNCTEST_OTHER_ENGINE");
        const before = stagingFingerprint();
        const run = await runCli(["--json"], { PA_SYNC_SANITIZE: "false", PA_SYNC_STAGING_DOCKER_HOST: other });
        assert.strictEqual(run.code, EXIT.usage, run.stderr + run.stdout);
        assert.match(JSON.parse(run.stdout.trim().split("\n").pop()!).error, /allowed only into a staging on production's own Docker engine; staging's engine is another/);
        assert.strictEqual(stagingFingerprint(), before, "staging changed");
    });

    it("reaches an ssh:// production with ssh in batch mode (never a prompt), failing with staging unchanged", async () => {
        // A stand-in for the real ssh, first on PATH: it records how the docker CLI (through our wrapper) calls it.
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "pa-synctest-ssh-"));
        const recorded = path.join(bin, "args");
        fs.writeFileSync(path.join(bin, "ssh"), `#!/bin/sh\nprintf '%s\\n' "$@" >> '${recorded}'\necho 'Permission denied (publickey).' >&2\nexit 255\n`, { mode: 0o755 });
        const before = stagingFingerprint();
        try {
            const run = await runCli(["--json"], { PATH: `${bin}${path.delimiter}${process.env.PATH}`, PA_SYNC_PRODUCTION_DOCKER_HOST: "ssh://me@production.invalid" });
            assert.strictEqual(run.code, EXIT.failed, run.stderr + run.stdout);
            const args = fs.readFileSync(recorded, "utf8");
            assert.match(args, /^-o\nBatchMode=yes\n-o\nStrictHostKeyChecking=yes\n-o\nConnectTimeout=20\n/);
            assert.match(args, /production\.invalid/);
            assert.strictEqual(stagingFingerprint(), before, "staging changed");
        } finally {
            fs.rmSync(bin, { recursive: true, force: true });
        }
    });

    it("refuses to sanitize without production's key volume, before touching staging", async () => {
        const before = stagingFingerprint();
        const run = await runCli(["--json"], { PA_SYNC_KEY_VOLUME: `${SYNC_KEY_VOLUME}-missing` });
        assert.strictEqual(run.code, EXIT.usage, run.stderr + run.stdout);
        assert.match(JSON.parse(run.stdout.trim().split("\n").pop()!).error, /no volume .*-missing holding the sync's pseudonym key: run "pulumi up" on production's stack first/);
        assert.strictEqual(stagingFingerprint(), before, "staging changed");
    });

    it("fails, staging unchanged, when the key volume holds no key", async () => {
        const empty = `${SYNC_KEY_VOLUME}-empty`;
        spawnSync("docker", ["volume", "create", "--label", "pa.test=sync", empty]);
        const before = stagingFingerprint();
        try {
            const run = await runCli(["--json"], { PA_SYNC_KEY_VOLUME: empty });
            assert.strictEqual(run.code, EXIT.failed, run.stderr + run.stdout);
            assert.match(JSON.parse(run.stdout.trim().split("\n").pop()!).error, /no sync key at \/run\/pa-sync-key\/key/);
            assert.strictEqual(stagingFingerprint(), before, "staging changed");
            assert.strictEqual(sql(STAGING, "postgres", `SELECT count(*) FROM pg_database WHERE datname LIKE '%__pa_%';`).trim(), "0");
        } finally {
            spawnSync("docker", ["volume", "rm", "-f", empty]);
        }
    });

    it("fails closed when a new column holds emails, naming table, column and count, never a value", async () => {
        const before = stagingFingerprint();
        sql(PRODUCTION, "openwebui", `ALTER TABLE "user" ADD COLUMN recovery_contact text; UPDATE "user" SET recovery_contact = 'backup: ' || email;`);
        try {
            const run = await runCli(["--json"]);
            assert.strictEqual(run.code, EXIT.personalData, run.stderr + run.stdout);
            const result = JSON.parse(run.stdout.trim().split("\n").pop()!);
            assert.deepStrictEqual(result.leaks, [{ database: "openwebui", table: "public.user", column: "recovery_contact", count: PEOPLE.length }]);
            const output = run.stdout + run.stderr + fs.readdirSync(LOG_DIR).map((f) => fs.readFileSync(path.join(LOG_DIR, f), "utf8")).join("");
            assert.deepStrictEqual(plantedValues().filter((v) => output.includes(v)), []);
            assert.strictEqual(stagingFingerprint(), before, "staging changed");
            assert.strictEqual(sql(STAGING, "postgres", `SELECT count(*) FROM pg_database WHERE datname LIKE '%__pa_%';`).trim(), "0");
        } finally {
            sql(PRODUCTION, "openwebui", `ALTER TABLE "user" DROP COLUMN recovery_contact;`);
        }
    });

});
