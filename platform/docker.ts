// How every docker CLI process of the operator commands and the sync is started: on one engine (a
// stack's pa:dockerHost, or the ambient DOCKER_HOST/context when none is given), with ssh in batch mode
// for ssh:// hosts (platform/ssh.ts) and pipes for stdin, stdout and stderr. The callers shape the
// results (collected strings, files, streams between two engines); the start is the same for all.
import { ChildProcessWithoutNullStreams, spawn } from "child_process";
import { dockerEnv } from "./ssh";

export interface DockerSpawnOptions {
    /** The engine, e.g. ssh://me@server; undefined or empty: whatever DOCKER_HOST or context the caller's shell selects. */
    host?: string;
    /** Variables for the docker CLI's own environment (handed to containers by `-e NAME`, never on a command line). */
    env?: Record<string, string>;
    /** The docker CLI to run (a test's stand-in). */
    binary?: string;
}

/** `docker [--host H] <args>`, started. */
export function spawnDocker(args: readonly string[], options: DockerSpawnOptions = {}): ChildProcessWithoutNullStreams {
    const env = { ...process.env, ...(options.env ?? {}) };
    // An explicit engine wins over a context the shell may have selected.
    if (options.host) delete env.DOCKER_CONTEXT;
    return spawn(options.binary ?? "docker", [...dockerHostArgs(options.host), ...args], { stdio: "pipe", env: dockerEnv(env) });
}

/** The docker CLI's engine flag for `host`, none for the ambient engine (undefined or empty). */
function dockerHostArgs(host: string | undefined): string[] {
    return host ? ["--host", host] : [];
}
