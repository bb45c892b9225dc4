// The Docker engine as the real-engine suites read it, through the docker CLI: what a stack made, its containers, HTTP status.
import { execFileSync } from "child_process";

/** The suites' view of one engine: `host` is a --host value (unix://, ssh://); undefined is the local one. */
export function engineAt(host?: string) {
    const docker = (...args: string[]): string =>
        execFileSync("docker", host ? ["--host", host, ...args] : args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 }).trim();
    return {
        docker,
        inspect(kind: "container" | "network" | "volume", name: string): any {
            return JSON.parse(docker(kind, "inspect", name))[0];
        },
        /** Names of the containers, networks and volumes carrying a label value, e.g. pa.stack=e2e. */
        labelled(label: string): { containers: string[]; networks: string[]; volumes: string[] } {
            const list = (kind: string, format: string) =>
                docker(kind, "ls", ...(kind === "container" ? ["-a"] : []), "--filter", `label=${label}`, "--format", format)
                    .split("\n")
                    .filter(Boolean)
                    .sort();
            return {
                containers: list("container", "{{.Names}}"),
                networks: list("network", "{{.Name}}"),
                volumes: list("volume", "{{.Name}}"),
            };
        },
        /** The one container a stack runs for a service (apps have a new name after each replacement). */
        containerOf(stack: string, service: string): string {
            const names = docker("ps", "-a", "--filter", `label=pa.stack=${stack}`, "--filter", `label=pa.service=${service}`, "--format", "{{.Names}}")
                .split("\n")
                .filter(Boolean);
            if (names.length !== 1) throw new Error(`stack ${stack} has ${names.length} ${service} containers: ${names.join(", ")}`);
            return names[0];
        },
        /** Runs a command inside a container and returns its stdout. */
        exec(container: string, ...command: string[]): string {
            return docker("exec", container, ...command);
        },
    };
}

export const { docker, inspect, labelled, containerOf, exec } = engineAt();

export async function httpStatus(url: string, init?: RequestInit): Promise<number> {
    try {
        const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
        await response.arrayBuffer();
        return response.status;
    } catch {
        return 0;
    }
}

/** Removes the containers, volumes and networks whose names start with `<prefix>-` (a suite's own). */
export function removePrefixed(prefix: string): void {
    const list = (kind: string) => docker(kind, "ls", "--filter", `name=${prefix}-`, "--format", "{{.Name}}").split("\n").filter(Boolean);
    const containers = docker("ps", "-a", "--filter", `name=^${prefix}-`, "--format", "{{.Names}}").split("\n").filter(Boolean);
    if (containers.length) docker("rm", "-f", "-v", ...containers);
    const volumes = list("volume");
    if (volumes.length) docker("volume", "rm", "-f", ...volumes);
    const networks = list("network");
    if (networks.length) docker("network", "rm", ...networks);
}

/** Polls `condition` once a second until it holds; throws naming `what` after `seconds`. */
export function waitFor(condition: () => boolean, seconds: number, what: string): void {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        try {
            if (condition()) return;
        } catch {
            // not yet
        }
        if (Date.now() > deadline) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
        execFileSync("sleep", ["1"]);
    }
}
