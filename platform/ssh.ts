// The ssh that the docker CLI starts for an ssh:// Docker host never stops to ask: BatchMode (no password
// or passphrase prompt, and a host key not yet in known_hosts fails instead of asking) and a connect
// timeout, so a sync or a command run by `pulumi up` fails with ssh's message instead of hanging on a
// prompt nobody sees. The docker CLI has no flag for ssh options (the Pulumi provider has, and index.ts
// sets it), so the docker CLI's children get a PATH whose first `ssh` is a two-line wrapper that adds
// them and runs the real one.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const SSH_OPTIONS = ["-o", "BatchMode=yes", "-o", "ConnectTimeout=20"] as const;

/** The wrapper: the options above, then the docker CLI's own arguments, for the real ssh. */
export function sshWrapperScript(realSsh: string): string {
    return `#!/bin/sh\nexec '${realSsh.replace(/'/g, `'\\''`)}' ${SSH_OPTIONS.join(" ")} "$@"\n`;
}

/** The first executable `name` on a PATH. */
function onPath(name: string, searchPath: string): string | undefined {
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

const wrappers = new Map<string, string>();

/**
 * The environment for a docker CLI process: `base` with the wrapper's folder first on PATH (made once
 * per process and real ssh, mode 700). Unchanged when there is no ssh at all (docker then says so).
 */
export function dockerEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    const searchPath = base.PATH ?? "";
    if ([...wrappers.values()].some((dir) => searchPath.startsWith(dir + path.delimiter))) return base;
    const realSsh = onPath("ssh", searchPath);
    if (!realSsh) return base;
    let dir = wrappers.get(realSsh);
    if (!dir) {
        const made = fs.mkdtempSync(path.join(os.tmpdir(), "pa-ssh-"));
        fs.writeFileSync(path.join(made, "ssh"), sshWrapperScript(realSsh), { mode: 0o700 });
        process.once("exit", () => fs.rmSync(made, { recursive: true, force: true }));
        wrappers.set(realSsh, made);
        dir = made;
    }
    return { ...base, PATH: `${dir}${path.delimiter}${searchPath}` };
}
