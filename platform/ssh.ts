// The ssh that the docker CLI starts for an ssh:// Docker host never stops to ask: BatchMode (no password
// or passphrase prompt, and a host key not yet in known_hosts fails instead of asking) and a connect
// timeout, so a sync or a command run by `pulumi up` fails with ssh's message instead of hanging on a
// prompt nobody sees. The docker CLI has no flag for ssh options (the Pulumi provider has, and index.ts
// sets it), so the docker CLI's children get a PATH whose first `ssh` is a two-line wrapper that adds
// them and runs the real one.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// StrictHostKeyChecking=yes on the command line wins over a `StrictHostKeyChecking no` in the user's
// ssh config: a host whose key changed is never reached.
export const SSH_OPTIONS = ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=20"] as const;

/** The variable that names a known_hosts file (pa:sshKnownHosts) to every ssh a docker CLI process starts. */
export const KNOWN_HOSTS_ENV = "PA_SSH_KNOWN_HOSTS";

/**
 * `UserKnownHostsFile=<file>` as ssh reads it: its value is a whitespace-separated list of files with
 * %-tokens expanded, so the path goes in double quotes (which ssh allows for values with spaces) with
 * each % doubled. A path holding a double quote cannot be said; config refuses it.
 */
export function knownHostsOption(file: string): string {
    return `UserKnownHostsFile="${file.replace(/%/g, "%%")}"`;
}

/** SSH_OPTIONS, plus the known_hosts file holding the hosts' keys when one is named. */
export function sshOptions(knownHosts?: string): string[] {
    return [...SSH_OPTIONS, ...(knownHosts ? ["-o", knownHostsOption(knownHosts)] : [])];
}

/** The wrapper: the options above (and $PA_SSH_KNOWN_HOSTS's file), then the docker CLI's own arguments, for the real ssh. */
export function sshWrapperScript(realSsh: string): string {
    return [
        "#!/bin/sh",
        // knownHostsOption in sh: the path in double quotes, each % doubled.
        `if [ -n "$${KNOWN_HOSTS_ENV}" ]; then set -- -o "UserKnownHostsFile=\\"$(printf '%s' "$${KNOWN_HOSTS_ENV}" | sed 's/%/%%/g')\\"" "$@"; fi`,
        `exec '${realSsh.replace(/'/g, `'\\''`)}' ${SSH_OPTIONS.join(" ")} "$@"`,
        "",
    ].join("\n");
}

/** The first executable `name` on a PATH. */
export function onPath(name: string, searchPath: string): string | undefined {
    for (const dir of searchPath.split(path.delimiter)) {
        if (!dir) continue;
        const candidate = path.join(dir, name);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            return candidate;
        } catch {
            // Not here.
        }
    }
    return undefined;
}

/** Per PATH seen, the PATH docker CLI processes get (the same when there is no ssh, or it is ours already). */
const wrappedPaths = new Map<string, string>();

/**
 * The environment for a docker CLI process: `base` with the wrapper's folder first on PATH (made once
 * per PATH, mode 700, removed when the process exits). Unchanged when there is no ssh at all (docker
 * then says so).
 */
export function dockerEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    const searchPath = base.PATH ?? "";
    let wrapped = wrappedPaths.get(searchPath);
    if (wrapped === undefined) {
        const realSsh = onPath("ssh", searchPath);
        wrapped = searchPath;
        if (realSsh) {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pa-ssh-"));
            fs.writeFileSync(path.join(dir, "ssh"), sshWrapperScript(realSsh), { mode: 0o700 });
            process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
            wrapped = `${dir}${path.delimiter}${searchPath}`;
            // Given the wrapped PATH again, nothing is added.
            wrappedPaths.set(wrapped, wrapped);
        }
        wrappedPaths.set(searchPath, wrapped);
    }
    return wrapped === searchPath ? base : { ...base, PATH: wrapped };
}

