// bin/pa.js, the launcher: sources newer than dist/ are compiled before the command runs, once when two
// commands start together, and a lock left by a killed build does not block the next one. Runs the real
// launcher and tsc on a copy of the CLI's sources (about 20 s of compiling).
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../../..");
const COPIED = ["bin", "cli", "platform", "model", "config", "tsconfig.json", "tsconfig.build.json", "package.json", "Pulumi.yaml"];

function run(dir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [path.join(dir, "bin", "pa.js"), "--help"], { cwd: dir });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

describe("bin/pa.js launcher", function () {
    this.timeout(180_000);
    let dir: string;

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "pa-launcher-"));
        for (const part of COPIED) fs.cpSync(path.join(ROOT, part), path.join(dir, part), { recursive: true });
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("two commands started together on stale sources compile once; both run the new build", async () => {
        const [a, b] = await Promise.all([run(dir), run(dir)]);
        for (const r of [a, b]) assert.strictEqual(r.code, 0, r.stderr);
        for (const r of [a, b]) assert.match(r.stdout, /Usage: pa/);
        const compiled = [a, b].filter((r) => r.stderr.includes("pa: compiling the operator CLI")).length;
        assert.strictEqual(compiled, 1, a.stderr + b.stderr);
        assert.ok(fs.existsSync(path.join(dir, "dist", "cli", "main.js")));
        assert.deepStrictEqual(fs.readdirSync(dir).filter((name) => name.startsWith("dist.")), [], "no lock, next or old build left");
    });

    it("a pa that waited on another's build which left the sources stale (it failed) compiles them itself", async () => {
        const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
        fs.writeFileSync(path.join(dir, "dist.lock"), String(holder.pid));
        const later = new Date(Date.now() + 5_000);
        fs.utimesSync(path.join(dir, "cli", "main.ts"), later, later);
        const waiting = run(dir);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        fs.rmSync(path.join(dir, "dist.lock"));
        holder.kill();
        const r = await waiting;
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stderr, new RegExp(`waiting for the build of another pa \\(pid ${holder.pid}\\)[\\s\\S]*pa: compiling the operator CLI`));
        assert.match(r.stdout, /Usage: pa/);
    });

    it("a lock whose builder is gone is taken over", async () => {
        const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout;
        fs.writeFileSync(path.join(dir, "dist.lock"), dead);
        const later = new Date(Date.now() + 5_000);
        fs.utimesSync(path.join(dir, "cli", "main.ts"), later, later);
        const r = await run(dir);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stderr, /pa: compiling the operator CLI/);
        assert.ok(!fs.existsSync(path.join(dir, "dist.lock")));
    });
});
