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

function pidAlive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return error.code === "EPERM";
    }
}

/**
 * Takes the build lock (a file holding the builder's pid), waiting while another pa holds it: two
 * commands started together compile once, as the second finds the build fresh once it has the lock.
 * A lock whose pid is gone (a build killed midway) is taken over.
 */
function lockBuild(lock) {
    const deadline = Date.now() + 10 * 60 * 1000;
    let told = false;
    for (;;) {
        try {
            fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
            return;
        } catch (error) {
            if (error.code !== "EEXIST") throw error;
        }
        let holder;
        try {
            holder = Number(fs.readFileSync(lock, "utf8"));
        } catch {
            continue; // released meanwhile
        }
        if (holder > 0 && !pidAlive(holder)) {
            fs.rmSync(lock, { force: true });
            continue;
        }
        if (!told) process.stderr.write(`pa: waiting for the build of another pa (pid ${holder || "?"})...\n`);
        told = true;
        if (Date.now() > deadline) {
            process.stderr.write(`pa: the build of pid ${holder} has held ${lock} for 10 min; stop that process or remove the file\n`);
            process.exit(1);
        }
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
}

/**
 * Compiles into a fresh folder and swaps it in with two renames, so a command starting meanwhile finds
 * a whole build (the old one, or the new one) rather than a folder being deleted.
 */
function build() {
    const lock = `${dist}.lock`;
    lockBuild(lock);
    try {
        // Built by the pa whose lock we waited on; if that build failed, this one compiles and says why.
        if (builtAt() >= newestSource()) return;
        process.stderr.write("pa: compiling the operator CLI (sources changed since the last build)...\n");
        const next = `${dist}.next-${process.pid}`;
        const tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
        const result = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json"), "--outDir", next], { cwd: root, encoding: "utf8" });
        if (result.status !== 0) {
            fs.rmSync(next, { recursive: true, force: true });
            fs.rmSync(lock, { force: true });
            process.stderr.write(`${result.stdout}${result.stderr}pa: compiling failed (above); fix the sources or run \`npm ci\`\n`);
            process.exit(1);
        }
        fs.writeFileSync(path.join(next, ".built"), new Date().toISOString());
        const old = `${dist}.old-${process.pid}`;
        if (fs.existsSync(dist)) fs.renameSync(dist, old);
        fs.renameSync(next, dist);
        fs.rmSync(old, { recursive: true, force: true });
    } finally {
        fs.rmSync(lock, { force: true });
    }
}

if (builtAt() < newestSource()) build();
const { main } = require(path.join(dist, "cli", "main.js"));
main(process.argv.slice(2)).then((code) => process.exit(code));
