// What an interrupted run leaves is cleared by the next rollback or deploy, and only that: a live lock,
// another host's lock, a backup's or sync's scratch container and the recorded containers stay.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { staleLockFiles } from "../../../cli/stacks/engine";
import { listedContainers, orphanContainers, repairInterruptedRun } from "../../../cli/stacks/repair";
import { FakeOps } from "./fakes";

describe("repair of an interrupted run", () => {
    it("finds the containers of the stack that its state does not record, never scratch ones or another stack's", () => {
        const listed = listedContainers(
            [
                "aaa|pa-production-postgres|",
                "bbb|pa-production-n8n-1a2b3c|",
                "ccc|pa-production-backup-run|backup",
                "ddd|pa-production-sync-watchdog|run-7",
                "eee|someone-elses|",
            ].join("\n"),
        );
        assert.deepStrictEqual(orphanContainers("production", listed, ["bbb"]).map((c) => c.name), ["pa-production-postgres"]);
        assert.deepStrictEqual(orphanContainers("production", listed, ["aaa", "bbb"]), []);
    });

    it("clears stale locks, pending creates and orphans in that order, and says each", async () => {
        const ops = new FakeOps({ staleLocks: ["Pulumi's lock of pid 7 on laptop"], pending: ["creating urn:a", "updating urn:b"], orphans: ["pa-production-postgres"] });
        const said: string[] = [];
        const stack = await ops.openStack("production");
        const cleared = await repairInterruptedRun(stack, ops, { dockerHost: "ssh://pa@server" }, { say: (l) => said.push(l), engineOutput: () => undefined });
        assert.deepStrictEqual(ops.events, ["removeStaleLocks production", "clearPendingCreates production", "removeOrphans production keep=id-in-state host=ssh://pa@server"]);
        assert.strictEqual(cleared.length, 4);
        assert.match(said.join("\n"), /interrupted run of production: removed Pulumi's lock of pid 7[\s\S]*pending operation creating urn:a[\s\S]*pending operation updating urn:b[\s\S]*container pa-production-postgres/);
    });

    it("clears nothing and says nothing after a clean run; the locks scope touches nothing deployed", async () => {
        const clean = new FakeOps();
        const said: string[] = [];
        assert.deepStrictEqual(await repairInterruptedRun(await clean.openStack("production"), clean, {}, { say: (l) => said.push(l), engineOutput: () => undefined }), []);
        assert.deepStrictEqual([clean.events, said], [[], []]);
        const traced = new FakeOps({ staleLocks: ["lock"], pending: ["creating urn:a"], orphans: ["pa-production-postgres"] });
        await repairInterruptedRun(await traced.openStack("production"), traced, {}, { say: () => undefined, engineOutput: () => undefined }, "locks");
        assert.deepStrictEqual(traced.events, ["removeStaleLocks production"]);
    });

    it("judges a Pulumi lock stale only when its process ran on this host and is gone", () => {
        const backend = fs.mkdtempSync(path.join(os.tmpdir(), "pa-locks-"));
        try {
            const dir = path.join(backend, ".pulumi", "locks", "organization", "pa-ecosystem", "production");
            fs.mkdirSync(dir, { recursive: true });
            const write = (name: string, lock: object) => fs.writeFileSync(path.join(dir, name), JSON.stringify(lock));
            write("dead.json", { pid: 11, hostname: "laptop", timestamp: "2026-12-03T08:00:00Z" });
            write("alive.json", { pid: 12, hostname: "laptop" });
            write("elsewhere.json", { pid: 11, hostname: "server" });
            fs.writeFileSync(path.join(dir, "broken.json"), "{");
            const other = path.join(backend, ".pulumi", "locks", "organization", "pa-ecosystem", "staging-laptop");
            fs.mkdirSync(other, { recursive: true });
            fs.writeFileSync(path.join(other, "x.json"), JSON.stringify({ pid: 11, hostname: "laptop" }));
            const stale = staleLockFiles(backend, "production", "laptop", (pid) => pid === 12);
            assert.deepStrictEqual(stale.map((s) => path.basename(s.file)), ["dead.json"]);
            assert.match(stale[0].description, /pid 11 on laptop since 2026-12-03T08:00:00Z \(that process is gone\)/);
            assert.deepStrictEqual(staleLockFiles(path.join(backend, "none"), "production", "laptop", () => false), []);
        } finally {
            fs.rmSync(backend, { recursive: true, force: true });
        }
    });
});
