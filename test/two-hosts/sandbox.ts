// A sandbox for the real-engine tests and the benchmark: a clone of this project in a temp folder
// (its own git repo, so rollback tags never touch the real one), a throwaway file backend and
// passphrase, and two stacks of its own (opse2e-staging, opse2e-production: their own container
// names, volumes and ports, so a real production or staging on this engine is never touched)
// running the test images. Given a server (test:two-hosts), production runs on it over SSH and both
// stacks name their images as its registry does; without one (bench:ops), both run on the local engine.
// Commands run in-process through cli/main.ts with PA_PROJECT_ROOT set.
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../cli/main";
import { engineAt } from "../support/docker";
import { TEST_IMAGE_LIMITS, testImages } from "../support/images";
import { Server } from "./server";

const ROOT = path.resolve(__dirname, "../..");

export const STACKS = { staging: "opse2e-staging", production: "opse2e-production" };

// Below Linux's ephemeral range (32768-60999): a port in it can be taken by any outgoing connection
// (the engine talks to its plugins over loopback), and publishing it then fails with "address in use".
export const PORTS = {
    staging: { letta: 22283, openWebui: 22080, n8n: 22678, postgres: 22432, neo4jHttp: 22474, neo4jBolt: 22687 },
    production: { letta: 23283, openWebui: 23080, n8n: 23678 },
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
    /** The engines the stacks run on, for the tests' own checks: production's is the server's, given one. */
    engines: Record<"staging" | "production", ReturnType<typeof engineAt>>;
    pa(...args: string[]): Promise<number>;
    git(...args: string[]): string;
    /** Builds an image from `base` plus Dockerfile lines, tagged `<base repo>:<suffix>`; removed on dispose. */
    derivedImage(base: string, suffix: string, lines: string[]): string;
    /** State, health and last log lines of every container of the sandbox's stacks, for a failed step. */
    diagnose(): string;
    dispose(): Promise<void>;
}

function stackFile(env: "staging" | "production", images: Record<string, string>, server?: Server): string {
    const lines = [
        "config:",
        `  pa:environment: ${env}`,
        // Two hosts: production on the server; both stacks pin its host key (the first sync names the
        // server with --production-host, as docs/operator-guide.md says).
        ...(server ? [`  pa:sshKnownHosts: ${server.knownHosts}`] : []),
        ...(env === "production" && server ? [`  pa:dockerHost: ${server.host}`] : []),
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
    // Staging runs with laptop limits that suit the test images; production has a server's defaults.
    if (env === "staging") {
        lines.push("  pa:limits:", ...Object.entries(TEST_IMAGE_LIMITS).flatMap(([k, v]) => [`    ${k}:`, `      memoryMb: ${v.memoryMb}`, `      cpus: ${v.cpus}`]));
    }
    return `${lines.join("\n")}\n`;
}

const SANDBOX_ENV = ["PA_PROJECT_ROOT", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PA_STAGING_STACK", "PA_PRODUCTION_STACK"] as const;

export function createSandbox(server?: Server): Sandbox {
    requireToolchain();
    // server.sh tagged every test image with the registry's name and pushed it there.
    const images = Object.fromEntries(Object.entries(testImages({ mustExist: true })).map(([key, tag]) => [key, server ? `${server.registry}/${tag}` : tag]));
    const engines = { staging: engineAt(), production: server?.engine ?? engineAt() };
    // A killed run never reached dispose(): its containers would hold the names this run's stacks need.
    for (const env of ["staging", "production"] as const) {
        const left = removeLabelled(engines[env].docker, `pa.stack=${STACKS[env]}`);
        if (left > 0) console.log(`      removed ${left} containers, networks and volumes of ${STACKS[env]} that a killed run left`);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pa-sandbox-"));
    const git = (...args: string[]) => execFileSync("git", ["-C", dir, "-c", "user.name=e2e", "-c", "user.email=e2e@localhost", ...args], { encoding: "utf8" }).trim();
    execFileSync("git", ["clone", "-q", ROOT, dir]);
    // Work in progress of the real checkout (cli/, scripts/) is copied over the clone and committed.
    for (const part of ["cli", "platform", "scripts", "sync", "sidecars", "config", "model", "components", "index.ts", "Pulumi.yaml", "package.json", "tsconfig.json", "tsconfig.build.json", "bin"]) {
        fs.cpSync(path.join(ROOT, part), path.join(dir, part), { recursive: true });
    }
    fs.writeFileSync(path.join(dir, `Pulumi.${STACKS.staging}.yaml`), stackFile("staging", images, server));
    fs.writeFileSync(path.join(dir, `Pulumi.${STACKS.production}.yaml`), stackFile("production", images, server));
    git("add", "-A");
    git("commit", "-q", "--allow-empty", "-m", "sandbox of test:two-hosts and bench:ops");
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
        engines,
        git,
        pa: (...args: string[]) => main(args),
        derivedImage(base, suffix, lines) {
            const tag = `${base.slice(0, base.lastIndexOf(":"))}:${suffix}`;
            const ctx = fs.mkdtempSync(path.join(os.tmpdir(), "pa-derived-"));
            try {
                fs.writeFileSync(path.join(ctx, "Dockerfile"), [`FROM ${base}`, ...lines, ""].join("\n"));
                execFileSync("docker", ["build", "-q", "-t", tag, ctx], { stdio: "ignore" });
                // Production pulls it from the registry, as it would a release.
                if (server) execFileSync("docker", ["push", "-q", tag], { stdio: "ignore" });
            } finally {
                fs.rmSync(ctx, { recursive: true, force: true });
            }
            built.push(tag);
            return tag;
        },
        diagnose() {
            return (["staging", "production"] as const)
                .flatMap((env) => {
                    const engine = engines[env];
                    return engine
                        .docker("ps", "-a", "--format", "{{.Names}}", "--filter", `label=pa.stack=${STACKS[env]}`)
                        .split("\n")
                        .filter(Boolean)
                        .map((name) => {
                            const state = engine.docker("inspect", "-f", "{{.State.Status}} health={{if .State.Health}}{{.State.Health.Status}}{{end}} restarts={{.RestartCount}}", name);
                            let logs = "";
                            try {
                                logs = engine.docker("logs", "--tail", "5", name);
                            } catch (error) {
                                logs = String((error as { stderr?: string }).stderr ?? error);
                            }
                            return `${name}: ${state}\n${logs.replace(/^/gm, "    | ")}`;
                        });
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
            }
            for (const env of ["staging", "production"] as const) removeLabelled(engines[env].docker, `pa.stack=${STACKS[env]}`);
            for (const tag of built) execFileSync("docker", ["image", "rm", "-f", tag], { stdio: "ignore" });
            for (const key of SANDBOX_ENV) {
                if (previous[key] === undefined) delete process.env[key];
                else process.env[key] = previous[key];
            }
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

/** Removes the containers, networks and volumes carrying a label (only this sandbox's stacks); returns how many. */
function removeLabelled(docker: (...args: string[]) => string, label: string): number {
    const ids = (kind: string) => docker(kind, "ls", ...(kind === "container" ? ["-a"] : []), "-q", "--filter", `label=${label}`).split("\n").filter(Boolean);
    let removed = 0;
    for (const kind of ["container", "network", "volume"]) {
        const found = ids(kind);
        if (kind === "volume") {
            // A sync cut short leaves its scratch containers (label pa.sync.run) holding the stack's volumes.
            for (const volume of found) {
                const users = docker("ps", "-aq", "--filter", `volume=${volume}`).split("\n").filter(Boolean);
                if (users.length) docker("rm", "-f", "-v", ...users);
            }
        }
        if (found.length) docker(kind, "rm", "-f", ...(kind === "container" ? ["-v"] : []), ...found);
        removed += found.length;
    }
    return removed;
}
