// The graph part of the data sync as plain functions: which property gets which rule, what the graph
// sanitizer replaces and what its scan reports (the same meaning as the PostgreSQL side), and the
// copier program sent to the sidecar.
import * as assert from "assert";
import { parseArgs } from "../../sync/cli";
import { GRAPH_RULES, graphRule } from "../../sync/graph-rules";
import { NOT_NAMES, TextSettings, textSanitizer, textSettings } from "../../sync/text";
import { nameHash, searchableName } from "../../sync/pii/names";
import { copierProgram, engineSocket, thawWatchdogArgs, WATCHDOG_READY } from "../../sync/neo4j";
import { freezeMaxSeconds } from "../../sync/cli";
import { spawn } from "child_process";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import * as fs from "fs";
import { sanitizedEmail } from "../../sync/session-sql";
import { syncEnvironment } from "../../model/sync";

const KEY = "unit-test-key-0123456789";
/** The names as the names sidecar hashes them: folded, keyed. */
function settings(names: string[]): TextSettings {
    const folded = names.map((n) => searchableName(n, NOT_NAMES)!);
    return textSettings("pa-production-sync-key", { hashes: folded.map((n) => nameHash(KEY, n)), lengths: [...new Set(folded.map((n) => n.length))] });
}

describe("graph sync decisions", () => {
    it("gives emails and phones their rule by key, names only on person nodes, everything else free text", () => {
        assert.strictEqual(graphRule(GRAPH_RULES, ["Company"], "Email_Address"), "email");
        assert.strictEqual(graphRule(GRAPH_RULES, ["Company"], "phoneNumber"), "phone");
        assert.strictEqual(graphRule(GRAPH_RULES, ["Person"], "name"), "name");
        assert.strictEqual(graphRule(GRAPH_RULES, ["Contact", "Imported"], "first_name"), "firstName");
        assert.strictEqual(graphRule(GRAPH_RULES, ["User"], "surname"), "lastName");
        assert.strictEqual(graphRule(GRAPH_RULES, ["Topic"], "name"), "text");
        assert.strictEqual(graphRule(GRAPH_RULES, ["Person"], "summary"), "text");
    });

    it("replaces emails with the PostgreSQL side's keyed pseudonyms, phones, and known names as whole words", () => {
        const text = textSanitizer(settings(["Ann", "Ann Lee", "Émile"]), KEY);
        assert.strictEqual(text.email(" Alice@X.org"), sanitizedEmail(KEY, "Alice@X.org"));
        assert.strictEqual(
            text.text("Ann Lee met Annie and Ann, call (415) 555-0100 or a.b@c.org; “Émile”"),
            `Test User met Annie and Test User, call 555-0123 or ${sanitizedEmail(KEY, "a.b@c.org")}; “Test User”`,
        );
        // In any case, with or without accents, in any normalisation, but never inside a word.
        assert.strictEqual(text.text("ann LEE, Annlee, emile, E\u0301mile"), "Test User, Annlee, Test User, Test User");
    });

    it("scans for what the sanitizer misses, but not for its own output", () => {
        const text = textSanitizer(settings(["Ann Lee"]), KEY);
        assert.strictEqual(text.leaks(text.text("Ann Lee, a.b@c.org, +44 20 7946 0958")), false);
        assert.strictEqual(text.leaks("write to a.b@c.org"), true);
        assert.strictEqual(text.leaks("+14155550100"), true);
        assert.strictEqual(text.leaks("see Ann Lee"), true);
        assert.strictEqual(text.leaks("12345678-1234-1234-1234-123456789012 at 192.168.100.200"), false);
    });

    it("learns names found on person nodes, ignoring short ones and the sanitized forms", () => {
        const text = textSanitizer(settings([]), KEY);
        for (const name of ["Zoltan Kiss", "Al", "Test User"]) text.addName(name);
        assert.strictEqual(text.text("Zoltan Kiss, Al"), "Test User, Al");
        assert.strictEqual(text.leaks("Test User"), false);
    });

    it("builds a copier program: its settings on the first line, then one bundle that parses", () => {
        const program = copierProgram({ sourceUrl: "http://a:7474", targetUrl: "http://b:7474", rules: GRAPH_RULES, batchSize: 10 }, settings(["Ann"]));
        assert.doesNotThrow(() => new Function("require", "process", "module", "exports", program));
        const [first, ...rest] = program.split("\n");
        assert.match(first, /^globalThis\.paSidecarSettings = \{"copier":/);
        assert.ok(!program.includes(KEY), "the key is sent to the sidecar: it must read it from production's key volume");
        assert.ok(first.includes('"keyVolume":"pa-production-sync-key"'), "the sidecar is told which volume holds the key");
        assert.match(rest.join("\n"), /async function copyGraph\(/);
    });

    it("selects the parts to sync and names the Neo4j containers and the copier's image source", () => {
        assert.deepStrictEqual(parseArgs(["--parts", "neo4j"]).parts, ["neo4j"]);
        assert.throws(() => parseArgs(["--parts", "redis"]), /--parts takes a list of postgres, neo4j, files/);
        const env = syncEnvironment({ productionStack: "production", stagingStack: "staging-laptop", sanitize: true });
        assert.strictEqual(env.PA_SYNC_PRODUCTION_NEO4J, "pa-production-neo4j");
        assert.strictEqual(env.PA_SYNC_STAGING_NEO4J, "pa-staging-laptop-neo4j");
        // The copier's image: production's n8n, whose container is found by the stack's label.
        assert.strictEqual(env.PA_SYNC_PRODUCTION_STACK, "production");
    });

    it("freezes production only under a watchdog on its own host: no network, no capability, the engine's socket", () => {
        const args = thawWatchdogArgs({ name: "pa-sync-r1-thaw-watchdog", labels: ["--label", "pa.sync.run=r1"], image: "n8nio/n8n:1.123.81", seconds: 600 }, "pa-production-neo4j", engineSocket("ssh://me@server"));
        const at = (flag: string) => args[args.indexOf(flag) + 1];
        assert.deepStrictEqual(args.slice(0, 5), ["run", "-d", "--rm", "--name", "pa-sync-r1-thaw-watchdog"]);
        assert.strictEqual(at("--network"), "none");
        assert.strictEqual(at("--cap-drop"), "ALL");
        assert.strictEqual(at("--security-opt"), "no-new-privileges");
        assert.ok(args.includes("--read-only"));
        assert.strictEqual(at("-v"), "/var/run/docker.sock:/var/run/docker.sock");
        assert.deepStrictEqual(args.slice(-2), ["pa-production-neo4j", "600"]);
        assert.strictEqual(engineSocket("unix:///run/user/1000/docker.sock"), "/run/user/1000/docker.sock");
        assert.strictEqual(freezeMaxSeconds({}), 600);
        assert.strictEqual(freezeMaxSeconds({ PA_SYNC_FREEZE_MAX_SECONDS: "30" }), 30);
        assert.throws(() => freezeMaxSeconds({ PA_SYNC_FREEZE_MAX_SECONDS: "0" }), /PA_SYNC_FREEZE_MAX_SECONDS takes a whole number of seconds/);
    });

    /** Runs the watchdog's program against a stand-in engine on a unix socket that records what it is asked. */
    async function runWatchdog(containerStatus: number): Promise<{ code: number | null; out: string; asked: string[]; ms: number }> {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pa-watchdog-"));
        const socket = path.join(dir, "docker.sock");
        const asked: string[] = [];
        const server = http.createServer((req, res) => {
            asked.push(`${req.method} ${req.url}`);
            if (req.method === "GET") res.writeHead(containerStatus).end("{}");
            else res.writeHead(204).end();
        });
        await new Promise<void>((resolve) => server.listen(socket, resolve));
        try {
            const args = thawWatchdogArgs({ name: "w", labels: [], image: "node", seconds: 1 }, "pa-production-neo4j", socket);
            const program = args[args.indexOf("-e") + 1].replace("/var/run/docker.sock", socket);
            const started = Date.now();
            const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
                const child = spawn(process.execPath, ["-e", program, ...args.slice(-2)]);
                let out = "";
                child.stdout.on("data", (c: Buffer) => (out += c));
                child.stderr.on("data", (c: Buffer) => (out += c));
                child.on("close", (code: number | null) => resolve({ code, out }));
            });
            return { ...run, asked, ms: Date.now() - started };
        } finally {
            server.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }

    it("the watchdog's program reaches the engine first, says it is ready, and unpauses the container through the socket after its deadline", async function () {
        this.timeout(10_000);
        const run = await runWatchdog(200);
        assert.strictEqual(run.code, 0, run.out);
        assert.ok(run.ms >= 1000, "thawed before its deadline");
        assert.deepStrictEqual(run.asked, ["GET /containers/pa-production-neo4j/json", "POST /containers/pa-production-neo4j/unpause"]);
        assert.match(run.out, new RegExp(`^${WATCHDOG_READY}\n`));
        assert.match(run.out, /watchdog: pa-production-neo4j frozen 1 s without a thaw; unpaused it \(engine answered 204\)/);
    });

    it("a watchdog that cannot find the container through the engine fails at once and never says it is ready", async function () {
        this.timeout(10_000);
        const run = await runWatchdog(404);
        assert.strictEqual(run.code, 1, run.out);
        assert.ok(!run.out.includes(WATCHDOG_READY), run.out);
        assert.match(run.out, /watchdog: the engine answered 404 for pa-production-neo4j/);
        assert.deepStrictEqual(run.asked, ["GET /containers/pa-production-neo4j/json"]);
    });
});
