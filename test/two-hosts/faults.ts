// The two-host suite's fault tools around a promotion: an outage meter that watches production from the
// server's side (through its engine's socket and a shell inside the server, so it keeps measuring while
// the SSH link is cut), and a promotion run as the person runs it (the script, in its own process group)
// with a fault injected the moment production's Postgres is stopped for its replacement.
import { execFile, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Server } from "./server";

export interface Outages {
    /** Seconds without a running container that its healthcheck calls healthy, per service. */
    down: Record<string, number>;
    /** Seconds the app's health URL, asked on the server through the gateway, did not answer 200. */
    unserved: Record<string, number>;
    /** Polls in which some app had no running copy at all (healthy or not). */
    appsWithoutCopy: string[];
}

const APPS = ["letta", "openWebui", "n8n"] as const;
/** The unauthenticated health paths the gateway passes through, that need no database. */
const LIVENESS: Record<(typeof APPS)[number], string> = { letta: "/v1/health/", openWebui: "/health", n8n: "/healthz" };

/**
 * Polls every 500 ms: which of production's services have a running, healthy container (via the server's
 * engine socket), and each app's status through the gateway on the server's loopback (a bash /dev/tcp request
 * run inside the server, asynchronous: an app slow to answer must not hold up the fault's trigger).
 * Stopped, it returns the time each was down. `postgresHealthyNow()` asks the engine afresh, for a fault
 * that must land inside Postgres's replacement, not a poll later.
 */
export function outageMeter(srv: Server, stack: string, urls: Partial<Record<string, string>>): { postgresHealthyNow(): boolean; stop(): Promise<Outages> } {
    const down: Record<string, number> = {};
    const unserved: Record<string, number> = {};
    const appsWithoutCopy: string[] = [];
    const listRunning = () =>
        srv.engine
            .docker("ps", "--filter", `label=pa.stack=${stack}`, "--filter", "status=running", "--format", '{{.Label "pa.service"}}|{{.Status}}')
            .split("\n")
            .filter(Boolean);
    const healthyIn = (listed: string[]) => new Set(listed.filter((line) => line.includes("(healthy)")).map((line) => line.split("|")[0]));
    let lastContainers = Date.now();
    let lastProbes = Date.now();
    let probing: Promise<void> | undefined;
    const probes = APPS.map((app) => {
        const url = urls[app];
        if (!url) throw new Error(`production publishes no URL for ${app}`);
        const port = new URL(url).port;
        return `s=$( (exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET ${LIVENESS[app]} HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' >&3 && timeout 2 head -c 12 <&3) 2>/dev/null); echo "${app} \${s:9:3}"`;
    });
    const probeApps = () =>
        new Promise<void>((resolve) => {
            execFile("docker", ["exec", srv.container, "bash", "-c", probes.join("; ")], { encoding: "utf8" }, (error, answers) => {
                const now = Date.now();
                const elapsed = (now - lastProbes) / 1000;
                lastProbes = now;
                const status = new Map((error ? "" : answers).split("\n").filter(Boolean).map((line) => line.split(" ") as [string, string]));
                for (const app of APPS) if (status.get(app) !== "200") unserved[app] = (unserved[app] ?? 0) + elapsed;
                resolve();
            });
        });
    const tick = () => {
        const now = Date.now();
        const elapsed = (now - lastContainers) / 1000;
        lastContainers = now;
        const listed = listRunning();
        const running = new Set(listed.map((line) => line.split("|")[0]));
        const healthy = healthyIn(listed);
        for (const service of ["postgres", "neo4j", ...APPS]) if (!healthy.has(service)) down[service] = (down[service] ?? 0) + elapsed;
        const missing = APPS.filter((app) => !running.has(app));
        if (missing.length > 0) appsWithoutCopy.push(`${new Date(now).toISOString()}: ${missing.join(", ")}`);
        // One round of probes at a time; its time counts from the previous round's answer.
        probing ??= probeApps().finally(() => (probing = undefined));
    };
    tick();
    const timer = setInterval(tick, 500);
    return {
        postgresHealthyNow: () => healthyIn(listRunning()).has("postgres"),
        async stop() {
            clearInterval(timer);
            tick();
            await probing;
            const round = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * 10) / 10]));
            return { down: round(down), unserved: round(unserved), appsWithoutCopy };
        },
    };
}

/**
 * `scripts/promote-to-production.sh --yes` in its own process group; once it has recorded its rollback
 * point (its `pulumi up` comes next), `fault(pid)` runs the first time production's Postgres is seen not
 * running healthy: stopped for its replacement, or the replacement not yet healthy. Resolves with the exit code (null when killed), the output and when the fault ran.
 */
export function promoteWithFault(dir: string, postgresHealthyNow: () => boolean, fault: (pid: number) => void): Promise<{ code: number | null; output: string; faultAt: number }> {
    return new Promise((resolve) => {
        const child = spawn("bash", [path.join(dir, "scripts/promote-to-production.sh"), "--yes"], { env: process.env, detached: true });
        let output = "";
        let armed = false;
        let faultAt = 0;
        const collect = (chunk: Buffer) => {
            output += chunk.toString();
            if (!armed && /rollback point rollback-\S+ \(production/.test(output)) armed = true;
        };
        child.stdout.on("data", collect);
        child.stderr.on("data", collect);
        const watch = setInterval(() => {
            if (!armed || faultAt || postgresHealthyNow()) return;
            faultAt = Date.now();
            fault(child.pid!);
        }, 100);
        child.on("close", (code) => {
            clearInterval(watch);
            resolve({ code, output, faultAt });
        });
    });
}

/** `node bin/pa.js <args>` of the checkout in `dir`, as a person runs it, without blocking the event loop. */
export function paProcess(dir: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn("node", [path.join(dir, "bin/pa.js"), ...args], { env: process.env, cwd: dir });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

/**
 * Waits until no process of this host runs with `PA_PROJECT_ROOT=<dir>` in its environment (what a killed
 * promotion started, plugins with process groups of their own included); returns the ones still running
 * after `seconds`, as "pid command".
 */
export function processesOf(dir: string, seconds: number): string[] {
    const marker = Buffer.from(`PA_PROJECT_ROOT=${dir}\0`);
    const find = () =>
        fs.readdirSync("/proc").filter((pid) => {
            if (!/^\d+$/.test(pid) || Number(pid) === process.pid) return false;
            try {
                return fs.readFileSync(`/proc/${pid}/environ`).includes(marker) && !fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z");
            } catch {
                return false;
            }
        });
    const deadline = Date.now() + seconds * 1000;
    let left = find();
    while (left.length > 0 && Date.now() < deadline) {
        execFileSync("sleep", ["0.5"]);
        left = find();
    }
    return left.map((pid) => {
        try {
            return `${pid} ${fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim()}`;
        } catch {
            return `${pid} (gone)`;
        }
    });
}
