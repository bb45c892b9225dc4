// A sandbox for the real-engine tests and the benchmark: a clone of this project in a temp folder
// (its own git repo, so rollback tags never touch the real one), a throwaway file backend and
// passphrase, and stack files for staging-laptop and production running the test images on ports
// no real stack uses. Commands run in-process through cli/main.ts with PA_PROJECT_ROOT set.
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../cli/main";

const ROOT = path.resolve(__dirname, "../..");

export const PORTS = {
    staging: { letta: 48283, openWebui: 48080, n8n: 45678, postgres: 45432, neo4jHttp: 47474, neo4jBolt: 47687 },
    production: { letta: 49283, openWebui: 49080, n8n: 49678 },
};

/** Fails loudly, never skips, when the engine or its provider plugins are missing. */
export function requireToolchain(): void {
    let plugins = "";
    try {
        plugins = execFileSync("pulumi", ["plugin", "ls"], { encoding: "utf8" });
    } catch (error) {
        throw new Error(`test:ops-e2e needs the pulumi CLI on PATH (source ~/.cache/pa-toolchain/env.sh): ${error}`);
    }
    const missing = ["docker", "random", "command"].filter((name) => !new RegExp(`^${name}\\s+resource`, "m").test(plugins));
    if (missing.length) throw new Error(`test:ops-e2e needs the provider plugins ${missing.join(", ")} (pulumi plugin ls shows none; setup/toolchain.sh builds them)`);
}

export function testImages(): Record<string, string> {
    const pick = (dir: string) => {
        const tag = path.join(ROOT, "images", dir, "TAG");
        if (fs.existsSync(tag)) return fs.readFileSync(tag, "utf8").trim();
        const found = execFileSync("docker", ["images", "--format", "{{.Repository}}:{{.Tag}}"], { encoding: "utf8" }).split("\n").find((r) => r.startsWith(`pa-test/${dir}:`) && !r.includes("rootfs"));
        if (!found) throw new Error(`test image pa-test/${dir} is not built (setup/images.sh)`);
        return found;
    };
    return { postgres: pick("postgres-pgvector"), neo4j: pick("neo4j"), letta: pick("letta"), openWebui: pick("open-webui"), n8n: pick("n8n") };
}

export interface Sandbox {
    dir: string;
    pa(...args: string[]): Promise<number>;
    git(...args: string[]): string;
    dispose(): Promise<void>;
}

function stackFile(env: "staging" | "production", images: Record<string, string>): string {
    const lines = [
        "config:",
        `  pa:environment: ${env}`,
        `  pa:hostProfile: ${env === "production" ? "server" : "laptop"}`,
        "  pa:bindAddress: 127.0.0.1",
        "  pa:images:",
        ...Object.entries(images).map(([k, v]) => `    ${k}: ${v}`),
        "  pa:ports:",
        ...Object.entries(PORTS[env]).map(([k, v]) => `    ${k}: ${v}`),
    ];
    return `${lines.join("\n")}\n`;
}

export function createSandbox(): Sandbox {
    requireToolchain();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pa-ops-e2e-"));
    const git = (...args: string[]) => execFileSync("git", ["-C", dir, "-c", "user.name=e2e", "-c", "user.email=e2e@localhost", ...args], { encoding: "utf8" }).trim();
    execFileSync("git", ["clone", "-q", ROOT, dir]);
    // Work in progress of the real checkout (cli/, scripts/) is copied over the clone and committed.
    for (const part of ["cli", "scripts", "config", "spec", "components", "index.ts", "package.json", "tsconfig.json"]) {
        fs.cpSync(path.join(ROOT, part), path.join(dir, part), { recursive: true });
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    const images = testImages();
    fs.writeFileSync(path.join(dir, "Pulumi.staging-laptop.yaml"), stackFile("staging", images));
    fs.writeFileSync(path.join(dir, "Pulumi.production.yaml"), stackFile("production", images));
    git("add", "-A");
    git("commit", "-q", "--allow-empty", "-m", "ops-e2e sandbox");
    const previous = { root: process.env.PA_PROJECT_ROOT, backend: process.env.PULUMI_BACKEND_URL, pass: process.env.PULUMI_CONFIG_PASSPHRASE, profile: process.env.PA_HOST_PROFILE };
    process.env.PA_PROJECT_ROOT = dir;
    process.env.PULUMI_BACKEND_URL = `file://${path.join(dir, ".pulumi-state")}`;
    process.env.PULUMI_CONFIG_PASSPHRASE = crypto.randomBytes(24).toString("base64");
    process.env.PA_HOST_PROFILE = "laptop";
    fs.mkdirSync(path.join(dir, ".pulumi-state"), { recursive: true });
    return {
        dir,
        git,
        pa: (...args: string[]) => main(args),
        async dispose() {
            if (process.env.PA_E2E_KEEP === "true") return;
            for (const stack of ["production", "staging-laptop"]) {
                try {
                    execFileSync("pulumi", ["destroy", "--yes", "--skip-preview", "-s", stack, "--cwd", dir], { stdio: "ignore", env: process.env });
                } catch {
                    // Protected production volumes stay; removed below.
                }
            }
            const leftovers = (kind: string) => execFileSync("docker", [kind, "ls", ...(kind === "container" ? ["-a"] : []), "-q", "--filter", "label=pa.stack=production"], { encoding: "utf8" }).split("\n").filter(Boolean);
            for (const id of leftovers("container")) execFileSync("docker", ["rm", "-f", id]);
            for (const id of leftovers("volume")) execFileSync("docker", ["volume", "rm", "-f", id]);
            for (const [key, value] of Object.entries({ PA_PROJECT_ROOT: previous.root, PULUMI_BACKEND_URL: previous.backend, PULUMI_CONFIG_PASSPHRASE: previous.pass, PA_HOST_PROFILE: previous.profile })) {
                if (value === undefined) delete process.env[key];
                else process.env[key] = value;
            }
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

/** An image that starts and never becomes healthy: the app image with its server replaced by sleep. */
export function brokenImageOf(image: string): string {
    const tag = `${image.split(":")[0]}:broken-healthcheck`;
    const ctx = fs.mkdtempSync(path.join(os.tmpdir(), "pa-broken-"));
    fs.writeFileSync(path.join(ctx, "Dockerfile"), `FROM ${image}\nENTRYPOINT ["sh", "-c", "sleep infinity"]\nCMD []\n`);
    execFileSync("docker", ["build", "-q", "-t", tag, ctx], { stdio: "ignore" });
    fs.rmSync(ctx, { recursive: true, force: true });
    return tag;
}
