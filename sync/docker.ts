// Commands inside a container on one side (production or staging), through the docker CLI, so an
// ssh:// Docker host works the same as the local engine (started by platform/docker.ts). Nothing here
// puts a secret on a command line.
import { ChildProcess } from "child_process";
import { SERVICE_LABEL, STACK_LABEL, SYNC_RUN_LABEL } from "../model/names";
import { spawnDocker } from "../platform/docker";
import { redact } from "../platform/log";

export interface DockerSide {
    /** DOCKER_HOST of the engine, e.g. ssh://me@server; undefined for the local engine. */
    host?: string;
    /** The container commands run in. */
    container: string;
}

/** Starts `command` inside the side's container with stdin, stdout and stderr as pipes. */
export function execIn(side: DockerSide, command: string[]): ChildProcess {
    return spawnDocker(["exec", "-i", side.container, ...command], { host: side.host });
}

/** Runs a docker CLI command against the side's engine and returns its stdout. */
export function docker(side: DockerSide, args: string[], input?: string): Promise<string> {
    return collect(spawnDocker(args, { host: side.host }), input);
}

/** Runs `command` in the container, feeding `input` on stdin, and returns its stdout. */
export function runIn(side: DockerSide, command: string[], input?: string): Promise<string> {
    return collect(execIn(side, command), input);
}

export class CommandError extends Error {
    constructor(readonly what: string, readonly code: number | null, readonly stderr: string) {
        super(`${what} failed (exit ${code}): ${firstErrorLine(stderr)}`);
        this.name = "CommandError";
    }
}

/** The first line that says what went wrong, without any data (psql's DETAIL and CONTEXT lines may quote values). */
export function firstErrorLine(stderr: string): string {
    const lines = stderr.split("\n").map((l) => l.trim()).filter(Boolean);
    const error = lines.find((l) => /^(psql:.*)?ERROR:|^pg_dump:|^pg_restore:|^Error/.test(l)) ?? lines[0] ?? "no message";
    return redact(error).slice(0, 300);
}

/** Waits for a process, rejecting with a CommandError on a non-zero exit. */
export function collect(child: ChildProcess, input?: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout?.on("data", (chunk: Buffer) => out.push(chunk));
        child.stderr?.on("data", (chunk: Buffer) => err.push(chunk));
        child.on("error", reject);
        child.on("close", (code) => {
            const stderr = Buffer.concat(err).toString("utf8");
            if (code === 0) resolve(Buffer.concat(out).toString("utf8"));
            else reject(new CommandError(describe(child), code, stderr));
        });
        child.stdin?.on("error", () => undefined);
        child.stdin?.end(input ?? "");
    });
}

export function describe(child: ChildProcess): string {
    const args = child.spawnargs.slice(1);
    const exec = args.indexOf("exec");
    return exec >= 0 ? `docker exec ${args.slice(exec + 2, exec + 4).join(" ")}` : `docker ${args.slice(0, 2).join(" ")}`;
}

/** Labels of a sync run's scratch containers, volumes and networks: removeScratch() finds them by these. */
export function scratchLabels(runId: string, startedMs = Date.now()): string[] {
    return ["--label", `${SYNC_RUN_LABEL}=${runId}`, "--label", `pa.sync.started=${Math.floor(startedMs / 1000)}`];
}

/** The running containers of a stack's `services`, found by label: apps get a new name per replacement. */
export async function runningServices(side: Pick<DockerSide, "host">, stack: string, services: readonly string[]): Promise<string[]> {
    const output = await docker({ host: side.host, container: "" }, ["ps", "--filter", `label=${STACK_LABEL}=${stack}`, "--format", `{{.Names}}\t{{.Label "${SERVICE_LABEL}"}}`]);
    return output
        .split("\n")
        .map((line) => line.trim().split("\t"))
        .filter(([name, service]) => name && services.includes(service))
        .map(([name]) => name);
}

/** The image of a stack's service container (running or not), found by label. */
export async function serviceImage(side: Pick<DockerSide, "host">, stack: string, service: string): Promise<string> {
    const output = await docker({ host: side.host, container: "" }, ["ps", "-a", "--filter", `label=${STACK_LABEL}=${stack}`, "--filter", `label=${SERVICE_LABEL}=${service}`, "--format", "{{.Image}}"]);
    const image = output.split("\n").map((l) => l.trim()).find(Boolean);
    if (!image) throw new Error(`no ${service} container of stack ${stack} on this Docker host: deploy the stack, or set PA_SYNC_COPIER_IMAGE`);
    return image;
}

/** Starts a docker CLI command against the side's engine with stdin, stdout and stderr as pipes. */
export function dockerProcess(side: Pick<DockerSide, "host">, args: string[]): ChildProcess {
    return spawnDocker(args, { host: side.host });
}
