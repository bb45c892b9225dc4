// The command line as a script sees it: exit codes and messages of pa's parsing, the pure parts of
// `pa sync` and `pa drift`, and the scripts/ wrappers' --help (fast, no file created).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { main } from "../../../cli/main";
import { EXIT } from "../../../platform/exitCodes";
import { failureSummary, foundPersonalData, requestSync, summaryText, syncRequest } from "../../../cli/commands/sync";
import { FakeOps } from "./fakes";
import { formatDrift } from "../../../cli/commands/drift";
import { driftOf } from "../../../cli/stacks/engine";
import { Logger } from "../../../platform/log";
import { toolchainVariables } from "../../../platform/toolchain";

const ROOT = path.resolve(__dirname, "../../..");

/** Runs pa in-process, collecting what it writes. */
async function pa(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const [write, writeErr] = [process.stdout.write, process.stderr.write];
    process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
    try {
        const code = await main(args);
        return { code, out: out.join(""), err: err.join("") };
    } finally {
        process.stdout.write = write;
        process.stderr.write = writeErr;
    }
}

describe("pa's command line", () => {
    it("--help, -h anywhere, help <command> and --version answer with 0", async () => {
        const top = await pa("--help");
        assert.strictEqual(top.code, EXIT.ok);
        for (const name of ["deploy-staging", "sync", "health", "test-workflows", "promote", "rollback", "backup", "cleanup", "drift"]) assert.match(top.out, new RegExp(`^  ${name} `, "m"));
        assert.match(top.out, /Exit codes: 0 ok/);
        const deep = await pa("health", "--json", "-h");
        assert.strictEqual(deep.code, EXIT.ok);
        assert.match(deep.out, /^Usage: pa health /);
        assert.match(deep.out, /--quiet/);
        assert.strictEqual((await pa("help", "rollback")).code, EXIT.ok);
        const helpOfHelp = await pa("help", "help");
        assert.strictEqual(helpOfHelp.code, EXIT.ok);
        assert.match(helpOfHelp.out, /^Usage: pa <command>/);
        const version = await pa("--version");
        assert.strictEqual(version.out.trim(), JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version);
    });

    it("bad input exits with the usage code and a message naming the fix", async () => {
        const cases: [string[], RegExp][] = [
            [[], /Usage: pa <command>/],
            [["moon-landing"], /unknown command 'moon-landing' \(see pa --help\)/],
            [["help", "moon-landing"], /^pa: unknown command 'moon-landing' \(see pa --help\)\n$/],
            [["health", "--env", "moon"], /'moon' is invalid. Allowed choices are laptop, server.*see pa health --help/],
            [["deploy-staging", "--env", "moon"], /Allowed choices are laptop, server/],
            [["health", "--staging", "--production"], /'--staging' cannot be used with option '--production'/],
            [["drift", "--all", "--stack", "x"], /cannot be used with/],
            [["rollback", "--list", "--tag", "t"], /'--(list|tag <tag>)' cannot be used with option '--(tag <tag>|list)'/],
            [["rollback", "--tag"], /--tag <tag>' argument missing/],
            [["rollback", "--tag", "--yes"], /--tag needs a value <tag>/],
            [["backup", "now", "b-1", "b-2"], /too many arguments/],
            [["cleanup", "--bogus"], /unknown option '--bogus' \(see pa cleanup --help\)/],
            [["sync", "--stack", "production"], /never its target: name a staging stack with --stack/],
            [["sync", "--env", "moon"], /Allowed choices are laptop, server/],
        ];
        for (const [args, message] of cases) {
            const run = await pa(...args);
            assert.strictEqual(run.code, EXIT.usage, `pa ${args.join(" ")}: ${run.err}`);
            assert.match(run.err, message, `pa ${args.join(" ")}`);
        }
    });

    it("--json gives a script JSON on stdout also when the command stops at its arguments", async () => {
        for (const args of [["health", "--json", "--env", "moon"], ["backup", "bogus", "--json"], ["sync", "--json", "--stack", "production"]]) {
            const run = await pa(...args);
            assert.strictEqual(run.code, EXIT.usage);
            const result = JSON.parse(run.out);
            assert.strictEqual(result.ok, false);
            assert.strictEqual(result.exitCode, EXIT.usage);
            assert.ok(result.error.length > 10, run.out);
        }
    });

    it("--quiet keeps info lines out of the console and in the log file", () => {
        const dir = fs.mkdtempSync(path.join(require("os").tmpdir(), "pa-quiet-"));
        const console: string[] = [];
        const stream = { write: (s: string) => console.push(s) > 0 } as unknown as NodeJS.WritableStream;
        const log = new Logger({ repo: dir, kind: "health", debug: false, consoleStream: stream, quiet: true });
        log.info("waiting for letta");
        log.warn("letta is slow");
        log.result("table", stream);
        assert.deepStrictEqual(console, ["WARN: letta is slow\n", "table\n"]);
        assert.match(fs.readFileSync(log.file, "utf8"), /\[info\] waiting for letta/);
        fs.rmSync(dir, { recursive: true, force: true });
    });
});

describe("pa sync's reading of a run", () => {
    it("asks with a UTC timestamp, newer each second", () => {
        assert.strictEqual(syncRequest(new Date("2026-12-03T01:02:03.456Z")), "20261203010203");
    });
    it("tells a leak (exit 5) from another failure, and keeps the sync's failure line", () => {
        const leak = 'error: ... {"ok":false,"error":"personal data left after sanitizing","leaks":[{"table":"chat"}]}\n';
        assert.strictEqual(foundPersonalData(leak), true);
        assert.deepStrictEqual(failureSummary(leak), { ok: false, error: "personal data left after sanitizing", leaks: [{ table: "chat" }] });
        assert.strictEqual(foundPersonalData("error: docker: connection refused"), false);
        assert.strictEqual(failureSummary("error: docker: connection refused"), null);
    });
    it("asks before it touches the stack: a declined sync leaves staging's config as it was", async () => {
        const lines: string[] = [];
        const log = { info: (l: string) => lines.push(l), error: (l: string) => lines.push(l), debug: () => undefined };
        const options = { stack: "staging-laptop", production: "production", host: "ssh://me@server", request: "20261203010203", yes: false };
        const declined = new FakeOps({ confirm: false });
        assert.deepStrictEqual(await requestSync(declined, log, options), { code: EXIT.failed, summary: null });
        assert.deepStrictEqual(declined.events, ["confirm"]);
        assert.match(lines.join("\n"), /not confirmed: nothing was copied and the stack's config is unchanged/);
        const confirmed = new FakeOps({ confirm: true });
        assert.strictEqual((await requestSync(confirmed, log, options)).code, EXIT.ok);
        assert.deepStrictEqual(confirmed.events.slice(0, 2), ["confirm", "setConfig staging-laptop pa:sync.request,pa:sync.production.stack,pa:sync.production.dockerHost"]);
        const unasked = new FakeOps({ confirm: false });
        assert.strictEqual((await requestSync(unasked, log, { ...options, yes: true })).code, EXIT.ok);
        assert.ok(!unasked.events.includes("confirm"), "--yes does not ask");
    });
    it("clears what a killed sync left in staging before it records the next request", async () => {
        const log = { info: () => undefined, error: () => undefined, debug: () => undefined };
        const ops = new FakeOps({ confirm: true, staleLocks: ["Pulumi's lock of pid 7 on laptop"], orphans: ["pa-staging-laptop-postgres"] });
        assert.strictEqual((await requestSync(ops, log, { stack: "staging-laptop", production: "production", request: "20261203010203", yes: true })).code, EXIT.ok);
        assert.deepStrictEqual(ops.events.slice(0, 3), ["removeStaleLocks staging-laptop", "removeOrphans staging-laptop keep=id-in-state host=ambient", "setConfig staging-laptop pa:sync.request,pa:sync.production.stack"]);
    });
    it("says what a successful sync did", () => {
        const text = summaryText({ rows: 1200, bytes: 3_400_000, seconds: 12.34, sanitized: true, apps: { restarted: ["letta"], notHealthy: [] } });
        assert.strictEqual(text, "synced 1200 rows, 3.4 MB in 12.3 s (sanitized); apps restarted and healthy; details: logs/staging/sync-*.log");
    });
});

describe("pa drift's reading of a refresh", () => {
    const event = (metadata: Record<string, unknown>) => ({ sequence: 1, timestamp: 0, resOutputsEvent: { metadata: { urn: "urn:pulumi:s::pa-ecosystem::docker:index/container:Container::letta", type: "docker:index/container:Container", provider: "", ...metadata } } }) as never;
    it("names changed properties and gone resources; an unchanged one is no drift", () => {
        assert.deepStrictEqual(driftOf(event({ op: "update", diffs: ["restart"] })), { name: "letta", type: "docker:index/container:Container", change: "changed", properties: ["restart"] });
        assert.deepStrictEqual(driftOf(event({ op: "delete" }))?.change, "gone");
        assert.strictEqual(driftOf(event({ op: "same" })), undefined);
    });
    it("prints one line per drifted resource", () => {
        const text = formatDrift([
            { stack: "staging-laptop", drifted: [] },
            { stack: "production", drifted: [{ name: "letta", type: "docker:index/container:Container", change: "gone", properties: [] }] },
        ]);
        assert.strictEqual(text, "staging-laptop: no drift\nproduction: 1 resource(s) drifted\n  letta (docker:index/container:Container): gone");
    });
});

describe("the scripts/ wrappers", () => {
    it("answer --help through pa and create no file", function () {
        this.timeout(120_000);
        const before = spawnSync("git", ["-C", ROOT, "status", "--porcelain", "--ignored"], { encoding: "utf8" }).stdout;
        for (const script of fs.readdirSync(path.join(ROOT, "scripts")).filter((f) => f.endsWith(".sh") && !f.startsWith("_"))) {
            const run = spawnSync("bash", [path.join(ROOT, "scripts", script), "--help"], { encoding: "utf8" });
            assert.strictEqual(run.status, 0, `${script} --help: ${run.stderr}`);
            assert.match(run.stdout, /^Usage: pa /, script);
        }
        const after = spawnSync("git", ["-C", ROOT, "status", "--porcelain", "--ignored"], { encoding: "utf8" }).stdout;
        assert.strictEqual(after, before, "a --help created or changed a file");
    });
});

describe("the toolchain for a pa started without it on PATH", () => {
    it("reads env.sh's exports, with $PATH expanded", () => {
        const script = [
            "# Written by setup/toolchain.sh",
            'export PATH="/cache/pulumi-v3/bin:$PATH"',
            'export PULUMI_HOME="/cache/pulumi-home"',
            "echo not an export",
        ].join("\n");
        assert.deepStrictEqual(toolchainVariables(script, { PATH: "/usr/bin:/bin" }), { PATH: "/cache/pulumi-v3/bin:/usr/bin:/bin", PULUMI_HOME: "/cache/pulumi-home" });
    });
});
