// A sandbox for the real-engine tests and the benchmark: a clone of this project in a temp folder
// (its own git repo, so rollback tags never touch the real one), a throwaway file backend and
// passphrase, and two stacks of its own (opse2e-staging, opse2e-production: their own container
// names, volumes and ports, so a real production or staging on this engine is never touched)
// running the test images. Commands run in-process through cli/main.ts with PA_PROJECT_ROOT set.
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../cli/main";
import { testImages } from "../support/images";

const ROOT = path.resolve(__dirname, "../..");

export const STACKS = { staging: "opse2e-staging", production: "opse2e-production" };

// Below Linux's ephemeral range (32768-60999): a port in it can be taken by any outgoing connection
// (the engine talks to its plugins over loopback), and publishing it then fails with "address in use".
export const PORTS = {
    staging: { letta: 22283, openWebui: 22080, n8n: 22678, postgres: 22432, neo4jHttp: 22474, neo4jBolt: 22687 },
    production: { letta: 23283, openWebui: 23080, n8n: 23678 },
};

// Staging runs with laptop limits: the ones test/e2e proved enough for the test images (the laptop
// defaults give Letta only 1 GiB). Production is a server stack, without limits.
const STAGING_LIMITS = {
    postgres: { memoryMb: 768, cpus: 1 },
    neo4j: { memoryMb: 1536, cpus: 1 },
    letta: { memoryMb: 1536, cpus: 1 },
    openWebui: { memoryMb: 768, cpus: 1 },
    n8n: { memoryMb: 1536, cpus: 1 },
};

/** Fails loudly, never skips, when the engine or its provider plugins are missing. */
export function requireToolchain(): void {
    let plugins = "";
    try {
        plugins = execFileSync("pulumi", ["plugin", "ls"], { encoding: "utf8" });
    } catch (error) {
        throw new Error(`needs the pulumi CLI on PATH (source ~/.cache/pa-toolchain/env.sh): ${error}`);
    }
    const missing = ["docker", "random", "command"].filter((name) => !new RegExp(`^${name}\\s+resource`, "m").test(plugins));
    if (missing.length) throw new Error(`needs the provider plugins ${missing.join(", ")} (pulumi plugin ls shows none; setup/toolchain.sh builds them)`);
}

export interface Sandbox {
    dir: string;
    pa(...args: string[]): Promise<number>;
    git(...args: string[]): string;
    /** Builds an image from `base` plus Dockerfile lines, tagged `<base repo>:<suffix>`; removed on dispose. */
    derivedImage(base: string, suffix: string, lines: string[]): string;
    /** State, health and last log lines of every container of the sandbox's stacks, for a failed step. */
    diagnose(): string;
    dispose(): Promise<void>;
}

function stackFile(env: "staging" | "production", images: Record<string, string>): string {
    const lines = [
        "config:",
        `  pa:environment: ${env}`,
        `  pa:hostProfile: ${env === "production" ? "server" : "laptop"}`,
        "  pa:bindAddress: 127.0.0.1",
        // A promotion of a broken image fails after this wait; the services' defaults (up to 7 min) are
        // sized for a slow server's first start.
        ...(env === "production" ? ["  pa:healthWaitSeconds: 150"] : []),
        "  pa:images:",
        ...Object.entries(images).map(([k, v]) => `    ${k}: ${v}`),
        "  pa:ports:",
        ...Object.entries(PORTS[env]).map(([k, v]) => `    ${k}: ${v}`),
    ];
    if (env === "staging") {
        lines.push("  pa:limits:", ...Object.entries(STAGING_LIMITS).flatMap(([k, v]) => [`    ${k}:`, `      memoryMb: ${v.memoryMb}`, `      cpus: ${v.cpus}`]));
    }
    return `${lines.join("\n")}\n`;
}

const SANDBOX_ENV = ["PA_PROJECT_ROOT", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PA_STAGING_STACK", "PA_PRODUCTION_STACK"] as const;

export function createSandbox(): Sandbox {
    requireToolchain();
    const images = testImages({ mustExist: true });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pa-ops-e2e-"));
    const git = (...args: string[]) => execFileSync("git", ["-C", dir, "-c", "user.name=e2e", "-c", "user.email=e2e@localhost", ...args], { encoding: "utf8" }).trim();
    execFileSync("git", ["clone", "-q", ROOT, dir]);
    // Work in progress of the real checkout (cli/, scripts/) is copied over the clone and committed.
    for (const part of ["cli", "platform", "scripts", "sync", "sidecars", "config", "model", "components", "index.ts", "Pulumi.yaml", "package.json", "tsconfig.json", "tsconfig.build.json", "bin"]) {
        fs.cpSync(path.join(ROOT, part), path.join(dir, part), { recursive: true });
    }
    fs.writeFileSync(path.join(dir, `Pulumi.${STACKS.staging}.yaml`), stackFile("staging", images));
    fs.writeFileSync(path.join(dir, `Pulumi.${STACKS.production}.yaml`), stackFile("production", images));
    git("add", "-A");
    git("commit", "-q", "--allow-empty", "-m", "ops-e2e sandbox");
    // Linked after the commit: `node_modules/` in .gitignore does not match a symlink, and a committed
    // link would collide with the one a rollback's worktree makes.
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    const previous = Object.fromEntries(SANDBOX_ENV.map((key) => [key, process.env[key]]));
    Object.assign(process.env, {
        PA_PROJECT_ROOT: dir,
        PULUMI_BACKEND_URL: `file://${path.join(dir, ".pulumi-state")}`,
        PULUMI_CONFIG_PASSPHRASE: crypto.randomBytes(24).toString("base64"),
        PA_STAGING_STACK: STACKS.staging,
        PA_PRODUCTION_STACK: STACKS.production,
    });
    fs.mkdirSync(path.join(dir, ".pulumi-state"), { recursive: true });
    const built: string[] = [];
    return {
        dir,
        git,
        pa: (...args: string[]) => main(args),
        derivedImage(base, suffix, lines) {
            const tag = `${base.slice(0, base.lastIndexOf(":"))}:${suffix}`;
            const ctx = fs.mkdtempSync(path.join(os.tmpdir(), "pa-derived-"));
            try {
                fs.writeFileSync(path.join(ctx, "Dockerfile"), [`FROM ${base}`, ...lines, ""].join("\n"));
                execFileSync("docker", ["build", "-q", "-t", tag, ctx], { stdio: "ignore" });
            } finally {
                fs.rmSync(ctx, { recursive: true, force: true });
            }
            built.push(tag);
            return tag;
        },
        diagnose() {
            const names = Object.values(STACKS).flatMap((stack) =>
                execFileSync("docker", ["ps", "-a", "--format", "{{.Names}}", "--filter", `label=pa.stack=${stack}`], { encoding: "utf8" }).split("\n").filter(Boolean),
            );
            return names
                .map((name) => {
                    const state = execFileSync("docker", ["inspect", "-f", "{{.State.Status}} health={{if .State.Health}}{{.State.Health.Status}}{{end}} restarts={{.RestartCount}}", name], { encoding: "utf8" }).trim();
                    const logs = execFileSync("sh", ["-c", 'docker logs --tail 5 "$1" 2>&1', "sh", name], { encoding: "utf8" }).trim();
                    return `${name}: ${state}\n${logs.replace(/^/gm, "    | ")}`;
                })
                .join("\n");
        },
        async dispose() {
            if (process.env.PA_E2E_KEEP === "true") return;
            const pulumi = (...args: string[]) => execFileSync("pulumi", [...args, "--cwd", dir], { stdio: "ignore", env: process.env });
            for (const stack of [STACKS.production, STACKS.staging]) {
                try {
                    // Production's volumes are protected; this sandbox's may go.
                    pulumi("state", "unprotect", "--all", "--yes", "-s", stack);
                    pulumi("destroy", "--yes", "--skip-preview", "-s", stack);
                } catch {
                    // Whatever the engine could not remove is removed from Docker below.
                }
                removeLabelled(`pa.stack=${stack}`);
            }
            for (const tag of built) execFileSync("docker", ["image", "rm", "-f", tag], { stdio: "ignore" });
            for (const key of SANDBOX_ENV) {
                if (previous[key] === undefined) delete process.env[key];
                else process.env[key] = previous[key];
            }
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

/** Removes the containers, networks and volumes carrying a label (only this sandbox's stacks). */
function removeLabelled(label: string): void {
    const ids = (kind: string) =>
        execFileSync("docker", [kind, "ls", ...(kind === "container" ? ["-a"] : []), "-q", "--filter", `label=${label}`], { encoding: "utf8" }).split("\n").filter(Boolean);
    for (const kind of ["container", "network", "volume"]) {
        const found = ids(kind);
        if (found.length) execFileSync("docker", [kind, "rm", "-f", ...(kind === "container" ? ["-v"] : []), ...found], { stdio: "ignore" });
    }
}
