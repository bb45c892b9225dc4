// One program file and everything it imports as a single CommonJS script (esbuild), for the programs
// that run in containers on a stack's host: the sync's sidecars and the backup scheduler. Bundles are
// deterministic (the same sources give the same text) and built once per process.
import * as fs from "fs";
import * as path from "path";

const bundles = new Map<string, string>();

/** Bundles the program `name` (name.ts, or name.js once compiled) in `dir` for Node.js `target` (e.g. node18). */
export function bundleProgram(dir: string, name: string, target: string): string {
    const entry = [".ts", ".js"].map((ext) => path.join(dir, name + ext)).find((file) => fs.existsSync(file));
    if (!entry) throw new Error(`program ${name} not found in ${dir}`);
    const key = `${entry}\0${target}`;
    const cached = bundles.get(key);
    if (cached) return cached;
    // Loaded here only: nothing else in the Pulumi program or the operator commands needs esbuild.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const esbuild = require("esbuild") as typeof import("esbuild");
    const result = esbuild.buildSync({ entryPoints: [entry], bundle: true, platform: "node", target, format: "cjs", write: false, logLevel: "silent", legalComments: "none" });
    const bundle = result.outputFiles[0].text;
    bundles.set(key, bundle);
    return bundle;
}
