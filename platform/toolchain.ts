// The offline-built Pulumi toolchain (setup/toolchain.sh) for a pa started without it on PATH (`npx pa`,
// `node bin/pa.js`): the environment its env.sh exports is applied to this process when no `pulumi` is
// on PATH. Hand-read because env.sh is ours and has one shape, `export NAME="value"` with $PATH in PATH.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { onPath } from "./ssh";

/** The variables env.sh sets, with $PATH expanded from `env`. */
export function toolchainVariables(script: string, env: NodeJS.ProcessEnv): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of script.split("\n")) {
        const m = /^export ([A-Z_][A-Z0-9_]*)="(.*)"$/.exec(line.trim());
        if (m) out[m[1]] = m[2].replace(/\$PATH\b|\$\{PATH\}/g, env.PATH ?? "");
    }
    return out;
}

/** Applies the toolchain's env.sh when no pulumi is on PATH; says whether it did. */
export function useToolchainWhenNoPulumi(env: NodeJS.ProcessEnv = process.env): boolean {
    if (onPath("pulumi", env.PATH ?? "")) return false;
    const file = path.join(env.PA_TOOLCHAIN_DIR || path.join(os.homedir(), ".cache", "pa-toolchain"), "env.sh");
    if (!fs.existsSync(file)) return false;
    Object.assign(env, toolchainVariables(fs.readFileSync(file, "utf8"), env));
    return true;
}
