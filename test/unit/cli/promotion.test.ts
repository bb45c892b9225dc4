// Every failure point of `promote` leads to the right outcome: before the update nothing in
// production changes (only the config file is put back); after it, an automatic rollback to the
// point recorded before, with data restored only where the failed update touched it.
import * as assert from "assert";
import { containersLeftDown, dataTouchedBy, promote, PromoteOptions } from "../../../cli/release/promotion";
import { parseTagMessage } from "../../../cli/release/rollbackPoints";
import { FakeOps, LETTA_REPLACED, NEW_IMAGES, OLD_IMAGES, Script } from "./fakes";

const OPTIONS: PromoteOptions = {
    productionStack: "production",
    stagingStack: "staging-laptop",
    yes: false,
    validateTimeoutMs: 1000,
    rollbackTimeoutMs: 2000,
    restoreDataOnRollback: false,
    say: () => undefined,
    engineOutput: () => undefined,
};

async function run(script: Partial<Script>, options: Partial<PromoteOptions> = {}) {
    const ops = new FakeOps(script);
    const result = await promote(ops, { ...OPTIONS, ...options });
    return { ops, result, productionUps: ops.events.filter((e) => e.startsWith("up production")) };
}

describe("promote: every failure point", () => {
    it("promotes when every step passes: backup, rollback point, up, validation", async () => {
        const { ops, result, productionUps } = await run({});
        assert.strictEqual(result.outcome, "promoted");
        assert.deepStrictEqual(productionUps, ["up production@/project"]);
        assert.ok(ops.events.indexOf("backup production rollback-20260102-030405") < ops.events.findIndex((e) => e.startsWith("tag ")));
        assert.ok(ops.events.findIndex((e) => e.startsWith("tag ")) < ops.events.indexOf("up production@/project"));
        assert.match(ops.configFile, /letta:2/, "production's config now names staging's versions");
        const manifest = parseTagMessage(ops.git.tags[0].message)!;
        assert.strictEqual(ops.git.tags[0].name, "rollback-20260102-030405");
        assert.strictEqual(manifest.commit, "deployedcommit", "the point names the commit production ran, from the update's git metadata");
        assert.strictEqual(manifest.config, "ORIGINAL CONFIG");
        assert.deepStrictEqual(manifest.images, OLD_IMAGES);
        assert.strictEqual(manifest.backup, "restic:b-20260102T030405Z");
        assert.strictEqual(manifest.validated, true);
        assert.strictEqual(manifest.stackUpdate?.startTime, "2026-01-02T00:00:00.000Z");
        assert.deepStrictEqual(ops.backupUpdates, ["2026-01-02T00:00:00.000Z"], "the backup's manifest names the same update as the point");
    });

    const beforeUpdate: [string, Partial<Script>, string][] = [
        ["staging is not deployed", { stagingDeployed: false }, "staging"],
        ["production has pending operations", { pending: ["creating urn:x"] }, "production-check"],
        ["a killed run's Pulumi lock is on production", { staleLocks: ["Pulumi's lock of pid 7 on laptop"] }, "production-check"],
        ["the preview fails", { previewThrows: true }, "preview"],
        ["the operator declines", { confirm: false }, "confirm"],
        ["staging is unhealthy", { stagingHealthy: false }, "gate-health"],
        ["staging's workflow tests fail", { workflowsOk: false }, "gate-workflows"],
        ["the backup fails", { backupThrows: true }, "backup"],
        ["the rollback point cannot be recorded", { tagThrows: true }, "rollback-point"],
    ];
    for (const [what, script, stage] of beforeUpdate) {
        it(`stops before touching production when ${what}`, async () => {
            const { ops, result, productionUps } = await run(script);
            assert.strictEqual(result.outcome, "aborted");
            assert.strictEqual(result.stage, stage);
            assert.deepStrictEqual(productionUps, [], "no pulumi up of production");
            assert.ok(!ops.events.some((e) => e.startsWith("restore")), "no data restored");
            assert.strictEqual(ops.configFile, "ORIGINAL CONFIG", "the config file is as before");
        });
    }

    it("may create production's stack (the first promotion), never staging's, which it only reads", async () => {
        const { ops } = await run({});
        assert.ok(ops.opened.includes("production+create"), ops.opened.join(", "));
        assert.ok(ops.opened.includes("staging-laptop") && !ops.opened.includes("staging-laptop+create"), ops.opened.join(", "));
    });

    it("an interrupted run's traces are named with the one command that clears them, and left for it", async () => {
        const { ops, result } = await run({ pending: ["creating urn:pulumi:production::pa::letta"], staleLocks: ["Pulumi's lock of pid 7 on laptop"] });
        assert.match(result.reason!, /interrupted run[\s\S]*Pulumi's lock of pid 7[\s\S]*pending operation creating urn:pulumi:production::pa::letta[\s\S]*`pa rollback --emergency`/);
        assert.ok(!/pulumi stack export|pending_operations/.test(result.reason!), "no hand-editing of state is asked for");
        assert.ok(!ops.events.some((e) => /clearPendingCreates|removeStaleLocks|removeOrphans/.test(e)), "a promotion clears nothing itself");
    });

    it("a failed update that stopped a database and never started it again says so, and the rollback's repair runs before its update", async () => {
        const cut = [
            { op: "delete-replaced", type: "docker:index/container:Container", name: "postgres" },
            { op: "create-replacement", type: "docker:index/container:Container", name: "n8n" },
        ];
        const said: string[] = [];
        const ops = new FakeOps({ ups: [{ ok: false, steps: cut, completed: cut, error: "connection refused" }, { ok: true, steps: [] }], orphans: ["pa-production-postgres"] });
        const result = await promote(ops, { ...OPTIONS, say: (l) => said.push(l) });
        assert.deepStrictEqual(result.leftDown, ["postgres"]);
        assert.ok(said.some((l) => /stopped postgres and never saw its replacement start/.test(l)), said.join("\n"));
        assert.strictEqual(result.outcome, "rolled-back");
        assert.deepStrictEqual(result.rollback?.cleanedUp, ["removed the container pa-production-postgres, created by an interrupted run and never recorded (its data is in its volumes, which stay)"]);
        const removal = ops.events.findIndex((e) => e.startsWith("removeOrphans production keep=id-in-state"));
        assert.ok(removal >= 0 && removal < ops.events.indexOf("up production@/tmp/wt-deployedcommit refresh"), ops.events.join("\n"));
    });

    it("a failed rollback after a cut names what is down and the commands that recover", async () => {
        const cut = [{ op: "delete-replaced", type: "docker:index/container:Container", name: "postgres" }];
        const said: string[] = [];
        const ops = new FakeOps({ ups: [{ ok: false, steps: cut, completed: cut, error: "x" }, { ok: false, steps: [], error: "ssh: connect to host: Connection refused" }] });
        const result = await promote(ops, { ...OPTIONS, say: (l) => said.push(l) });
        assert.strictEqual(result.outcome, "rollback-failed");
        assert.match(said[said.length - 1], /ROLLBACK FAILED .*postgres MAY BE DOWN.*`pa rollback --tag rollback-20260102-030405 --yes --with-data` or `pa rollback --emergency`/);
    });

    it("--yes skips the question", async () => {
        const { ops, result } = await run({ confirm: false }, { yes: true });
        assert.strictEqual(result.outcome, "promoted");
        assert.ok(!ops.events.includes("confirm"));
    });

    it("a failed pulumi up rolls back to the point, restoring the data of the service whose image changed", async () => {
        const { ops, result } = await run({ ups: [{ ok: false, steps: LETTA_REPLACED, error: "container letta unhealthy" }, { ok: true, steps: [] }], waits: [true] });
        assert.strictEqual(result.outcome, "rolled-back");
        assert.strictEqual(result.stage, "up");
        assert.deepStrictEqual(result.dataTouched, ["letta"]);
        assert.ok(ops.events.includes("checkout deployedcommit"), "the point's program is checked out");
        assert.ok(ops.events.includes("setImages production@/tmp/wt-deployedcommit letta=letta:1"), "with the images production ran");
        assert.ok(ops.events.includes("up production@/tmp/wt-deployedcommit refresh"), "refreshed first, so removed containers come back");
        assert.ok(ops.events.includes("open production@/tmp/wt-deployedcommit transpile-only"), "the point's program is not type-checked again");
        assert.ok(ops.events.includes("restore production restic:b-20260102T030405Z letta"));
        assert.ok(ops.events.includes("dispose deployedcommit"), "the temporary checkout is removed");
        assert.strictEqual(ops.configFile, "ORIGINAL CONFIG");
    });

    it("a failed validation rolls back too, within its own timeout", async () => {
        const { ops, result } = await run({ ups: [{ ok: true, steps: LETTA_REPLACED }, { ok: true, steps: [] }], waits: [false, true] });
        assert.strictEqual(result.outcome, "rolled-back");
        assert.strictEqual(result.stage, "validate");
        assert.strictEqual(ops.events.filter((e) => e === "waitHealthy production").length, 2);
        assert.strictEqual(result.rollback?.outcome, "restored");
    });

    it("restores no data when the failed update touched none", async () => {
        const ops = new FakeOps({ ups: [{ ok: false, steps: [], error: "x" }, { ok: true, steps: [] }] });
        // Staging runs what production runs: nothing changes its data.
        ops.targetOf = async (stack) => (await import("./fakes")).target(stack.name, OLD_IMAGES);
        const result = await promote(ops, OPTIONS);
        assert.strictEqual(result.outcome, "rolled-back");
        assert.deepStrictEqual(result.dataTouched, []);
        assert.ok(!ops.events.some((e) => e.startsWith("restore")));
    });

    it("--restore-data restores every service's data on rollback", async () => {
        const { result, ops } = await run({ ups: [{ ok: false, steps: [], error: "x" }, { ok: true, steps: [] }] }, { restoreDataOnRollback: true });
        assert.deepStrictEqual(result.dataTouched, ["postgres", "neo4j", "letta", "openWebui", "n8n"]);
        assert.ok(ops.events.includes("restore production restic:b-20260102T030405Z postgres,neo4j,letta,openWebui,n8n"));
    });

    it("reports a failed rollback when the rollback's own update fails", async () => {
        const { result } = await run({ ups: [{ ok: false, steps: [], error: "x" }, { ok: false, steps: [], error: "y" }] });
        assert.strictEqual(result.outcome, "rollback-failed");
        assert.strictEqual(result.rollback?.outcome, "failed");
    });

    it("reports a failed rollback when production stays unhealthy after it", async () => {
        const { result } = await run({ ups: [{ ok: true, steps: [] }, { ok: true, steps: [] }], waits: [false, false] });
        assert.strictEqual(result.outcome, "rollback-failed");
        assert.strictEqual(result.rollback?.outcome, "unhealthy");
    });

    it("on the first promotion (nothing deployed) there is no point: a failure is reported, not rolled back", async () => {
        const { ops, result } = await run({ productionDeployed: false, ups: [{ ok: false, steps: [], error: "x" }] });
        assert.strictEqual(result.outcome, "failed");
        assert.strictEqual(ops.git.tags.length, 0);
        assert.ok(!ops.events.some((e) => e.startsWith("backup production")));
        assert.strictEqual(ops.configFile, "ORIGINAL CONFIG");
    });

    it("records validated=false when production was unhealthy before the promotion", async () => {
        const { ops } = await run({ productionHealthyBefore: false });
        assert.strictEqual(parseTagMessage(ops.git.tags[0].message)!.validated, false);
    });
});

describe("containersLeftDown", () => {
    const container = (op: string, name: string) => ({ op, type: "docker:index/container:Container", name });
    it("names stop-old-first containers whose stop began and whose replacement never started, not apps whose new copy started first", () => {
        const cutAfterStop = [container("delete-replaced", "postgres")];
        assert.deepStrictEqual(containersLeftDown(cutAfterStop, cutAfterStop), ["postgres"]);
        assert.deepStrictEqual(containersLeftDown(cutAfterStop, []), ["postgres"], "a stop cut before the engine heard it finish counts too");
        const whole = [container("delete-replaced", "postgres"), container("create-replacement", "postgres"), container("replace", "postgres")];
        assert.deepStrictEqual(containersLeftDown(whole, whole), []);
        const newCopyFirst = [container("create-replacement", "n8n"), container("delete-replaced", "n8n")];
        assert.deepStrictEqual(containersLeftDown(newCopyFirst, newCopyFirst.slice(0, 1)), []);
        const volume = [{ op: "delete-replaced", type: "docker:index/volume:Volume", name: "postgres-data" }];
        assert.deepStrictEqual(containersLeftDown(volume, volume), []);
    });
});

describe("dataTouchedBy", () => {
    it("counts image changes and replaced or deleted volumes", () => {
        const steps = [
            { op: "replace", type: "docker:index/volume:Volume", name: "neo4j-data" },
            { op: "create", type: "docker:index/volume:Volume", name: "n8n-data" },
            { op: "update", type: "docker:index/container:Container", name: "postgres" },
        ];
        assert.deepStrictEqual(dataTouchedBy(steps, OLD_IMAGES, NEW_IMAGES), ["neo4j", "letta"]);
    });
});
