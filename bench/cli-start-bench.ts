// Benchmark: how fast the operator commands answer --help and --version (issue: under 1 s, median of
// 5 runs), from the compiled build (bin/pa.js) and, side by side, the way they started before it (the
// TypeScript sources through ts-node). Also checks that none of them created or changed a file.
// Usage: npm run bench:cli-start -- [--runs N]   (default 5)
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { benchArgs } from "./args";

const runs = benchArgs("Usage: npm run bench:cli-start -- [--runs N]\nMedian wall-clock seconds of pa's --help/--version and each scripts/*.sh --help (default 5 runs each).", "--runs", 5, 1);
const ROOT = path.resolve(__dirname, "..");

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

function time(command: string, args: string[]): number {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
        const started = process.hrtime.bigint();
        const run = spawnSync(command, args, { cwd: ROOT, encoding: "utf8" });
        if (run.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${run.status}: ${run.stderr}`);
        samples.push(Number(process.hrtime.bigint() - started) / 1e9);
    }
    return median(samples);
}

const files = () => spawnSync("git", ["-C", ROOT, "status", "--porcelain", "--ignored"], { encoding: "utf8" }).stdout;
// Built once before timing: the first run after a change compiles (bin/pa.js says so).
spawnSync("node", ["bin/pa.js", "--version"], { cwd: ROOT, stdio: "ignore" });
const before = files();
const cases: [string, string, string[]][] = [
    ["pa --help", "node", ["bin/pa.js", "--help"]],
    ["pa --version", "node", ["bin/pa.js", "--version"]],
    ...["deploy-staging", "sync", "health", "test-workflows", "promote", "rollback", "backup", "cleanup", "drift"].map((c): [string, string, string[]] => [`pa ${c} -h`, "node", ["bin/pa.js", c, "-h"]]),
    ...fs
        .readdirSync(path.join(ROOT, "scripts"))
        .filter((f) => f.endsWith(".sh") && !f.startsWith("_"))
        .map((f): [string, string, string[]] => [`scripts/${f} --help`, "bash", [`scripts/${f}`, "--help"]]),
];
let slowest = 0;
for (const [name, command, args] of cases) {
    const seconds = time(command, args);
    slowest = Math.max(slowest, seconds);
    console.log(`${name.padEnd(40)} ${seconds.toFixed(3)} s`);
}
const compiled = time("node", ["bin/pa.js", "health", "-h"]);
const sources = time(path.join(ROOT, "node_modules/.bin/ts-node"), ["--transpile-only", "cli/main.ts", "health", "-h"]);
console.log(`\nslowest of the above: ${slowest.toFixed(3)} s (bar: under 1 s)`);
console.log(`pa health -h compiled ${compiled.toFixed(3)} s vs from sources (ts-node) ${sources.toFixed(3)} s: ${(sources / compiled).toFixed(1)}x faster`);
console.log(`files created or changed by all of it: ${files() === before ? "none" : "SOME (git status differs)"}`);
