// Reads the Docker engine's own view of what a stack made, through the docker CLI.
import { execFileSync } from "child_process";

export function docker(...args: string[]): string {
    return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

export function inspect(kind: "container" | "network" | "volume", name: string): any {
    return JSON.parse(docker(kind, "inspect", name))[0];
}

/** Names of the containers, networks and volumes carrying a label value, e.g. pa.stack=e2e. */
export function labelled(label: string): { containers: string[]; networks: string[]; volumes: string[] } {
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
}

/** The one container a stack runs for a service (apps have a new name after each replacement). */
export function containerOf(stack: string, service: string): string {
    const names = docker("ps", "-a", "--filter", `label=pa.stack=${stack}`, "--filter", `label=pa.service=${service}`, "--format", "{{.Names}}")
        .split("\n")
        .filter(Boolean);
    if (names.length !== 1) throw new Error(`stack ${stack} has ${names.length} ${service} containers: ${names.join(", ")}`);
    return names[0];
}

/** Runs a command inside a container and returns its stdout. */
export function exec(container: string, ...command: string[]): string {
    return docker("exec", container, ...command);
}

export async function httpStatus(url: string, init?: RequestInit): Promise<number> {
    try {
        const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
        await response.arrayBuffer();
        return response.status;
    } catch {
        return 0;
    }
}
