// How every docker CLI process of the operator commands and the sync is started: on one engine (a
// stack's pa:dockerHost, or the ambient DOCKER_HOST/context when none is given), with ssh in batch mode
// for ssh:// hosts (platform/ssh.ts) and pipes for stdin, stdout and stderr. The callers shape the
// results (collected strings, files, streams between two engines); the start is the same for all.
// Also the shell line a `pulumi up` Command runs docker with on a stack's engine (dockerCommandLine).
import { ChildProcessWithoutNullStreams, spawn } from "child_process";
import { KNOWN_HOSTS_ENV, dockerEnv, sshOptions } from "./ssh";

export interface DockerSpawnOptions {
    /** The engine, e.g. ssh://me@server; undefined or empty: whatever DOCKER_HOST or context the caller's shell selects. */
    host?: string;
    /** Variables for the docker CLI's own environment (handed to containers by `-e NAME`, never on a command line). */
    env?: Record<string, string>;
    /** The docker CLI to run (a test's stand-in). */
    binary?: string;
    /** A known_hosts file for an ssh:// host (pa:sshKnownHosts); the user's own when unset. */
    knownHosts?: string;
}

/** `docker [--host H] <args>`, started. */
export function spawnDocker(args: readonly string[], options: DockerSpawnOptions = {}): ChildProcessWithoutNullStreams {
    const env = { ...process.env, ...(options.env ?? {}) };
    // An explicit engine wins over a context the shell may have selected.
    if (options.host) delete env.DOCKER_CONTEXT;
    if (options.knownHosts) env[KNOWN_HOSTS_ENV] = options.knownHosts;
    return spawn(options.binary ?? "docker", [...dockerHostArgs(options.host), ...args], { stdio: "pipe", env: dockerEnv(env) });
}

/** The docker CLI's engine flag for `host`, none for the ambient engine (undefined or empty). */
function dockerHostArgs(host: string | undefined): string[] {
    return host ? ["-H", host] : [];
}

/** One shell word, single-quoted. */
function shellWord(word: string): string {
    return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The shell command line that runs `docker <args>` on `dockerHost`: the local docker CLI for a unix
 * socket; for ssh://user@host[:port], ssh in batch mode running the host's own docker CLI, so a command
 * run by `pulumi up` (the command provider gets no wrapper on its PATH) cannot hang on a prompt either.
 */
export function dockerCommandLine(dockerHost: string, args: readonly string[], knownHosts?: string): string {
    const ssh = /^ssh:\/\/([^@/]+)@([^:/]+)(?::(\d+))?$/.exec(dockerHost);
    if (!ssh) return ["docker", ...dockerHostArgs(dockerHost), ...args].map(shellWord).join(" ");
    const [, user, host, port] = ssh;
    // ssh hands the remote shell one string, which it splits again: each word is quoted for it too.
    const remote = ["docker", ...args].map(shellWord).join(" ");
    return [...["ssh", ...sshOptions(knownHosts), ...(port ? ["-p", port] : []), "-l", user, "--", host].map(shellWord), shellWord(remote)].join(" ");
}
