#!/usr/bin/env node
// The `pa` command: runs the operator CLI compiled into dist/ (`npm ci` builds it through the prepare
// script), so a command starts without compiling TypeScript. Plain JavaScript by hand because it has to
// run before anything is compiled: when a source is newer than the build (a `git pull` without `npm ci`,
// an edit), it compiles first, once, so pa never runs code older than the checkout.
"use strict";
const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

const root = path.resolve(__dirname, "..");
const dist = path.join(root, "dist");
const stamp = path.join(dist, ".built");
// What dist/cli is compiled from (cli/ imports these folders and nothing else of the project).
const SOURCES = ["cli", "platform", "model", "config"];
const INPUTS = ["tsconfig.json", "tsconfig.build.json", "package.json"];

function newestSource() {
    let newest = 0;
    const visit = (dir) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) visit(full);
            else if (entry.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(full).mtimeMs);
        }
    };
    for (const dir of SOURCES) visit(path.join(root, dir));
    for (const file of INPUTS) newest = Math.max(newest, fs.statSync(path.join(root, file)).mtimeMs);
    return newest;
}

function builtAt() {
    try {
        return fs.statSync(stamp).mtimeMs;
    } catch {
        return -1;
    }
}

/** Compiles into a fresh folder and swaps it in, so a run that reads dist/ meanwhile sees a whole build. */
function build() {
    process.stderr.write("pa: compiling the operator CLI (sources changed since the last build)...\n");
    const next = `${dist}.next-${process.pid}`;
    const tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
    const result = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json"), "--outDir", next], { cwd: root, encoding: "utf8" });
    if (result.status !== 0) {
        fs.rmSync(next, { recursive: true, force: true });
        process.stderr.write(`${result.stdout}${result.stderr}pa: compiling failed (above); fix the sources or run \`npm ci\`\n`);
        process.exit(1);
    }
    fs.writeFileSync(path.join(next, ".built"), new Date().toISOString());
    fs.rmSync(dist, { recursive: true, force: true });
    try {
        fs.renameSync(next, dist);
    } catch {
        // Another pa built at the same moment and swapped its build in first: the same sources, use it.
        fs.rmSync(next, { recursive: true, force: true });
    }
}

if (builtAt() < newestSource()) build();
const { main } = require(path.join(dist, "cli", "main.js"));
main(process.argv.slice(2)).then((code) => process.exit(code));
