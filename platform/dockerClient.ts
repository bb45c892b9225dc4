// The Docker engine as the operator commands use it: exec into a container, inspect it, read its
// logs, stop/start it, and stream data in and out of containers and volumes. Through the docker CLI:
// on the engine of the stack acted on (`on(pa:dockerHost)`), or, for a stack deployed before it
// recorded its host, the one DOCKER_HOST and contexts select for the person running the command.
import * as fs from "fs";
import { spawnDocker } from "./docker";

export interface ExecResult {
    code: number;
    stdout: string;
    stderr: string;
    ms: number;
}

export interface ContainerState {
    name: string;
    image: string;
    status: string;
    health?: string;
    restartCount: number;
    startedAt: string;
}

export interface ExecOptions {
    env?: Record<string, string>;
    user?: string;
    stdin?: string;
    timeoutMs?: number;
}

export interface RunOptions {
    stdin?: string;
    timeoutMs?: number;
    /**
     * Variables set in the docker CLI's own environment: `-e NAME` (without a value) in the args hands
     * them to the container, so a secret never appears on a command line.
     */
    env?: Record<string, string>;
    /** Called with each chunk of stdout as it arrives (progress of a long run). */
    onStdout?: (chunk: string) => void;
}

export interface DockerClient {
    exec(container: string, command: string[], options?: ExecOptions): Promise<ExecResult>;
    inspect(container: string): Promise<ContainerState | undefined>;
    logs(container: string, tail: number): Promise<string>;
    stop(container: string): Promise<void>;
    start(container: string): Promise<void>;
    /** Runs `docker <args>` and writes its stdout to a file (a dump, a tarball). */
    streamToFile(args: string[], file: string): Promise<void>;
    /** Runs `docker <args>` with a file as its stdin (a restore). */
    streamFromFile(args: string[], file: string): Promise<void>;
    imageExists(ref: string): Promise<boolean>;
    /** Plain `docker <args>`, for what the named methods do not cover. */
    run(args: string[], options?: RunOptions): Promise<ExecResult>;
    /** The same client on another engine (a stack's pa:dockerHost, its pa:sshKnownHosts); undefined keeps this one's. */
    on(dockerHost: string | undefined, knownHosts?: string): DockerClient;
}

export class DockerCli implements DockerClient {
    constructor(
        private readonly binary = "docker",
        /** The engine every call goes to; undefined: the ambient DOCKER_HOST or context. */
        readonly dockerHost?: string,
        /** The known_hosts file for an ssh:// engine; the user's own when unset. */
        readonly knownHosts?: string,
    ) {}

    on(dockerHost: string | undefined, knownHosts?: string): DockerCli {
        return dockerHost === undefined ? this : new DockerCli(this.binary, dockerHost, knownHosts);
    }

    run(args: string[], options: RunOptions = {}): Promise<ExecResult> {
        return new Promise((resolve) => {
            const started = performance.now();
            const child = spawnDocker(args, { host: this.dockerHost, env: options.env, binary: this.binary, knownHosts: this.knownHosts });
            let stdout = "";
            let stderr = "";
            const timer = options.timeoutMs
                ? setTimeout(() => {
                      stderr += `\n(timed out after ${options.timeoutMs} ms)`;
                      child.kill("SIGKILL");
                  }, options.timeoutMs)
                : undefined;
            child.stdout.on("data", (chunk) => {
                stdout += chunk;
                options.onStdout?.(String(chunk));
            });
            child.stderr.on("data", (chunk) => (stderr += chunk));
            child.on("error", (error) => (stderr += String(error)));
            child.on("close", (code, signal) => {
                if (timer) clearTimeout(timer);
                if (code === null) stderr += `\n(the docker CLI was killed by ${signal})`;
                resolve({ code: code ?? 1, stdout, stderr, ms: Math.round(performance.now() - started) });
            });
            // A command that exits without reading its stdin (most do) closes the pipe first: that EPIPE is
            // no failure of ours, and unhandled it would crash the process.
            child.stdin.on("error", () => undefined);
            child.stdin.end(options.stdin ?? "");
        });
    }

    exec(container: string, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
        const args = ["exec", "-i"];
        if (options.user) args.push("-u", options.user);
        for (const [key, value] of Object.entries(options.env ?? {})) args.push("-e", `${key}=${value}`);
        return this.run([...args, container, ...command], { stdin: options.stdin, timeoutMs: options.timeoutMs ?? 30_000 });
    }

    async inspect(container: string): Promise<ContainerState | undefined> {
        const result = await this.run(["container", "inspect", container]);
        if (result.code !== 0) return undefined;
        const info = JSON.parse(result.stdout)[0];
        return {
            name: String(info.Name).replace(/^\//, ""),
            image: info.Config.Image,
            status: info.State.Status,
            health: info.State.Health?.Status,
            restartCount: info.RestartCount ?? 0,
            startedAt: info.State.StartedAt,
        };
    }

    async logs(container: string, tail: number): Promise<string> {
        const result = await this.run(["logs", "--tail", String(tail), container]);
        return `${result.stdout}${result.stderr}`.trimEnd();
    }

    async stop(container: string): Promise<void> {
        await this.checked(["stop", "-t", "30", container]);
    }

    async start(container: string): Promise<void> {
        await this.checked(["start", container]);
    }

    async imageExists(ref: string): Promise<boolean> {
        return (await this.run(["image", "inspect", ref])).code === 0;
    }

    streamToFile(args: string[], file: string): Promise<void> {
        return this.pipe(args, { out: file });
    }

    streamFromFile(args: string[], file: string): Promise<void> {
        return this.pipe(args, { in: file });
    }

    private async checked(args: string[]): Promise<ExecResult> {
        const result = await this.run(args);
        if (result.code !== 0) throw new Error(`docker ${args.join(" ")} failed: ${result.stderr.trim()}`);
        return result;
    }

    private pipe(args: string[], files: { in?: string; out?: string }): Promise<void> {
        return new Promise((resolve, reject) => {
            const child = spawnDocker(args, { host: this.dockerHost, binary: this.binary, knownHosts: this.knownHosts });
            let stderr = "";
            child.stderr.on("data", (chunk) => (stderr += chunk));
            const written = files.out ? fs.createWriteStream(files.out, { mode: 0o600 }) : undefined;
            // The file is complete only once its stream has closed, not when the process exits.
            const flushed = written ? new Promise<void>((done) => written.on("close", () => done())) : Promise.resolve();
            if (written) child.stdout.pipe(written);
            else child.stdout.resume();
            // A process that dies early closes its stdin: its exit code says so, the EPIPE must not crash us.
            child.stdin.on("error", () => undefined);
            if (files.in) fs.createReadStream(files.in).pipe(child.stdin);
            else child.stdin.end();
            child.on("error", reject);
            child.on("close", (code) => {
                void flushed.then(() =>
                    code === 0 ? resolve() : reject(new Error(`docker ${args.slice(0, 3).join(" ")} ... failed: ${stderr.trim()}`)),
                );
            });
        });
    }
}
