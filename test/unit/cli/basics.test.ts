// Host detection, log redaction, the stack lock, cleanup planning and argument parsing.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseFlags } from "../../../platform/args";
import { UsageError } from "../../../platform/errors";
import { firstErrorLine } from "../../../sync/docker";
import { run as runBackup, spec as backupSpec } from "../../../cli/commands/backup";
import { planCleanup } from "../../../cli/release/cleanup";
import { detectHostProfile, HostFacts } from "../../../cli/stacks/hostProfile";
import { acquireLock, LockedError } from "../../../platform/lock";
import { Logger, redact } from "../../../platform/log";
import { productionStack, stagingStack } from "../../../cli/commands/common";
import { Engine, engineErrors } from "../../../cli/stacks/engine";
import { Git } from "../../../cli/release/git";
import { RealOperations } from "../../../cli/stacks/operations";
import { DockerClient } from "../../../platform/dockerClient";
import { spec as rollbackSpec } from "../../../cli/commands/rollback";
import { OLD_IMAGES } from "./fakes";

const FACTS: HostFacts = { hostname: "lappy", serverHostnames: ["srv1"], hasBattery: false };

describe("laptop/server detection", () => {
    const cases: [string, Partial<HostFacts>, string][] = [
        ["--env wins over everything", { envProfile: "server", flagProfile: "laptop", hasBattery: false }, "laptop"],
        ["PA_HOST_PROFILE wins over the machine's facts", { envProfile: "server", hasBattery: true }, "server"],
        ["a listed hostname is the server", { hostname: "SRV1", hasBattery: true }, "server"],
        ["a battery means laptop", { hasBattery: true }, "laptop"],
        ["the default is laptop", {}, "laptop"],
    ];
    for (const [what, facts, expected] of cases) {
        it(what, () => assert.strictEqual(detectHostProfile({ ...FACTS, ...facts }).profile, expected));
    }
    it("rejects an unknown profile, naming its source", () => {
        assert.throws(() => detectHostProfile({ ...FACTS, flagProfile: "desktop" }), /--env=desktop: must be 'laptop' or 'server'/);
    });
    it("PA_STAGING_STACK and PA_PRODUCTION_STACK name the stacks (a test sandbox beside real ones)", () => {
        const saved = { staging: process.env.PA_STAGING_STACK, production: process.env.PA_PRODUCTION_STACK };
        try {
            delete process.env.PA_PRODUCTION_STACK;
            assert.strictEqual(productionStack(), "production");
            process.env.PA_STAGING_STACK = "sandbox-staging";
            process.env.PA_PRODUCTION_STACK = "sandbox-production";
            assert.deepStrictEqual(stagingStack(parseFlags(rollbackSpec, [])), { stack: "sandbox-staging", reason: "PA_STAGING_STACK" });
            assert.strictEqual(productionStack(), "sandbox-production");
        } finally {
            for (const [key, value] of [["PA_STAGING_STACK", saved.staging], ["PA_PRODUCTION_STACK", saved.production]] as const) {
                if (value === undefined) delete process.env[key];
                else process.env[key] = value;
            }
        }
    });
});

describe("log redaction", () => {
    it("masks registered secret values", () => {
        assert.strictEqual(redact("token s3cr3t-value here", ["s3cr3t-value"]), "token *** here");
    });
    it("masks the byte values a failed statement echoes, also in the sync's error lines", () => {
        const bytes = "\\x" + "4a6f7267".repeat(10);
        assert.strictEqual(redact(`DETAIL: Key (photo)=(${bytes}) exists`), "DETAIL: Key (photo)=(\\x***) exists");
        assert.strictEqual(firstErrorLine(`psql:<stdin>:3: ERROR: duplicate ${bytes}\nDETAIL: more`), "psql:<stdin>:3: ERROR: duplicate \\x***");
    });
    it("masks password=, JSON passwords, *_PASSWORD env, URI credentials, bearer tokens and NEO4J_AUTH", () => {
        const text = [
            "password=hunter22 next",
            '{"password": "p@ss", "name": "x"}',
            "LETTA_SERVER_PASSWORD=abc123",
            "postgresql://letta:pw123@postgres:5432/letta",
            "Authorization: Bearer eyJhbGciOi.x.y",
            "NEO4J_AUTH=neo4j/longpassword",
            "N8N_ENCRYPTION_KEY=kkk",
        ].join("\n");
        const out = redact(text);
        for (const secret of ["hunter22", "p@ss", "abc123", "pw123", "eyJhbGciOi", "longpassword", "kkk"]) assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
        assert.match(out, /postgresql:\/\/letta:\*\*\*@postgres:5432\/letta/);
        assert.match(out, /"name": "x"/);
    });
    it("writes redacted lines to logs/<area>/<name>-YYYYMMDD.log", () => {
        const repo = fs.mkdtempSync(path.join(os.tmpdir(), "pa-log-"));
        const sink = { write: () => true } as unknown as NodeJS.WritableStream;
        const log = new Logger({ repo, kind: "promote", debug: false, consoleStream: sink, now: () => new Date("2026-05-06T07:08:09Z") });
        log.addSecret("topsecretvalue");
        log.info("using topsecretvalue and password=abc");
        log.debug("hidden without DEBUG");
        const file = path.join(repo, "logs/production/promote-20260506.log");
        const content = fs.readFileSync(file, "utf8");
        assert.match(content, /\[info\] using \*\*\* and password=\*\*\*/);
        assert.ok(!content.includes("hidden"));
        fs.rmSync(repo, { recursive: true, force: true });
    });
});

describe("stack lock", () => {
    let repo: string;
    beforeEach(() => (repo = fs.mkdtempSync(path.join(os.tmpdir(), "pa-lock-"))));
    afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

    it("refuses a second holder with who holds it and how to recover", () => {
        const first = acquireLock(repo, "production", "promote");
        assert.throws(() => acquireLock(repo, "production", "rollback --emergency"), (e: unknown) => e instanceof LockedError && /'promote' \(pid \d+ on .*--force-unlock/s.test(e.message));
        first.release();
        acquireLock(repo, "production", "rollback").release();
    });
    it("takes over a stale lock whose process is gone", () => {
        acquireLock(repo, "production", "promote", { alive: () => true });
        const lock = acquireLock(repo, "production", "rollback", { alive: () => false });
        assert.strictEqual(lock.takenOverFrom?.command, "promote");
        lock.release();
    });
    it("--force-unlock takes a live lock", () => {
        acquireLock(repo, "production", "promote");
        acquireLock(repo, "production", "rollback", { force: true }).release();
    });
    it("locks stacks separately", () => {
        const a = acquireLock(repo, "production", "promote");
        acquireLock(repo, "staging-laptop", "deploy-staging").release();
        a.release();
    });
});

describe("cleanup plan", () => {
    const now = new Date("2026-06-30T00:00:00Z");
    const old = new Date("2026-01-01T00:00:00Z");
    const point = (tag: string, backup: string, validated: boolean) => ({
        tag,
        manifest: { format: 1 as const, stack: "production", createdAt: tag, commit: "c", config: "", images: OLD_IMAGES, backup, validated, reason: "", stackUpdate: { ordinal: 1, startTime: "t", result: "succeeded", kind: "update" } },
    });
    it("removes old backups and logs, keeps the backups the newest and the last good point need", () => {
        const points = [point("p1", "backups/b1", true), point("p2", "backups/b2", false), point("p3", "backups/b3", false)];
        const plan = planCleanup({
            backups: ["b0", "b1", "b2", "b3"].map((b) => ({ path: `/r/backups/${b}`, modified: old })).concat([{ path: "/r/backups/new", modified: now }]),
            logs: [{ path: "/r/logs/health/a.log", modified: old }, { path: "/r/logs/health/b.log", modified: now }],
            points,
            now,
            retentionDays: 30,
            keepPoints: 1,
            projectRoot: "/r",
        });
        assert.deepStrictEqual(plan.remove, ["/r/backups/b0", "/r/backups/b2", "/r/logs/health/a.log"]);
        assert.deepStrictEqual(plan.keptForPoints, ["/r/backups/b1", "/r/backups/b3"]);
    });
});

describe("engine errors", () => {
    it("keeps the engine's error lines of a failed update, once each", () => {
        const output = [
            "code: -2",
            " stderr: Command failed with exit code 1: pulumi up --yes",
            "Updating (production):",
            " +  docker:index:Container letta creating (0s)",
            "Diagnostics:",
            "  docker:index:Container (letta):",
            "    error:   sdk.helper_schema: container failed to be in healthy state: provider=docker@4.11.2",
            "    error: 1 error occurred:",
            "    \t* creating urn:pulumi:production::pa-ecosystem::docker:index/container:Container::letta: 1 error occurred:",
            "    \t* container failed to be in healthy state",
            " err?: Error: Command failed with exit code 1: pulumi up --yes",
            "    error:   sdk.helper_schema: container failed to be in healthy state: provider=docker@4.11.2",
        ].join("\n");
        assert.deepStrictEqual(engineErrors(output).split("\n"), [
            "error:   sdk.helper_schema: container failed to be in healthy state: provider=docker@4.11.2",
            "error: 1 error occurred:",
            "* creating urn:pulumi:production::pa-ecosystem::docker:index/container:Container::letta: 1 error occurred:",
            "* container failed to be in healthy state",
        ]);
    });
    it("falls back to the last lines when the engine printed no error line", () => {
        assert.strictEqual(engineErrors("a\nb\n\nc\nd\ne\nf\n"), "b\nc\nd\ne\nf");
    });
});

describe("rollback checkout", () => {
    it("removes a half-made worktree when preparing it fails", async () => {
        const removed: string[] = [];
        let made = "";
        // A commit that holds a node_modules of its own: linking the checkout's packages fails.
        const git = {
            addWorktree: async (dir: string) => {
                made = dir;
                fs.writeFileSync(path.join(dir, "node_modules"), "");
            },
            removeWorktree: async (dir: string) => void removed.push(dir),
        } as unknown as Git;
        const log = new Logger({ repo: os.tmpdir(), kind: "rollback", debug: false, toFile: false });
        const ops = new RealOperations({ projectRoot: os.tmpdir(), engine: {} as Engine, git, docker: {} as DockerClient, http: async () => ({ status: 0, body: "", ms: 0 }), log });
        await assert.rejects(ops.prepareCheckout("abc", "production", "config: {}\n"), /EEXIST/);
        assert.deepStrictEqual(removed, [made]);
        assert.strictEqual(fs.existsSync(made), false);
    });
});

describe("arguments", () => {
    it("parses switches and values, and rejects unknown or incomplete ones", () => {
        const flags = parseFlags(rollbackSpec, ["--tag", "rollback-1", "--with-data"]);
        assert.strictEqual(flags.get("tag"), "rollback-1");
        assert.strictEqual(flags.get("with-data"), true);
        assert.throws(() => parseFlags(rollbackSpec, ["--bogus"]), UsageError);
        assert.throws(() => parseFlags(rollbackSpec, ["--tag"]), UsageError);
    });

    it("takes plain arguments only where a command declares them, and no more than it declares", () => {
        assert.throws(() => parseFlags(rollbackSpec, ["now"]), UsageError, "rollback takes no plain argument");
        const flags = parseFlags(backupSpec, ["restore", "b-2026", "--service", "n8n"]);
        assert.deepStrictEqual(flags.positionals, ["restore", "b-2026"]);
        assert.strictEqual(flags.get("service"), "n8n");
        assert.throws(() => parseFlags(backupSpec, ["restore", "b-1", "b-2"]), UsageError);
    });

    it("pa backup refuses an unknown action or a missing backup before touching any stack", async () => {
        await assert.rejects(runBackup(parseFlags(backupSpec, ["bogus"])), (e: Error) => e instanceof UsageError && /choose an action/.test(e.message));
        await assert.rejects(runBackup(parseFlags(backupSpec, ["restore"])), (e: Error) => e instanceof UsageError && /name the backup/.test(e.message));
        await assert.rejects(runBackup(parseFlags(backupSpec, ["list", "b-1"])), (e: Error) => e instanceof UsageError && /takes no <backup>/.test(e.message));
        await assert.rejects(runBackup(parseFlags(backupSpec, ["now", "--service", "n8n"])), UsageError);
    });
});
