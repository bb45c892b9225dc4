// What a person sees during a long `pulumi up`: a line when a change starts, and a heartbeat while the
// engine waits (for a container's health), from the engine's own events.
import * as assert from "assert";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { UpProgress, changesIn } from "../../../cli/stacks/progress";

const URN = (type: string, name: string) => `urn:pulumi:production::pa-ecosystem::pa:index:Environment$${type}::${name}`;
const pre = (op: string, type: string, name: string) => ({ resourcePreEvent: { metadata: { op, urn: URN(type, name), type } } }) as unknown as EngineEvent;
const done = (type: string, name: string) => ({ resOutputsEvent: { metadata: { op: "create", urn: URN(type, name), type } } }) as unknown as EngineEvent;
const CONTAINER = "docker:index/container:Container";

describe("progress of a pulumi up", () => {
    it("says which changes run and how many are done, and keeps saying it while the engine waits", () => {
        let now = 0;
        const lines: string[] = [];
        const progress = new UpProgress({ say: (l) => lines.push(l), planned: 3, heartbeatMs: 15_000, now: () => now });
        progress.onEvent(pre("same", CONTAINER, "neo4j"));
        progress.onEvent(done(CONTAINER, "neo4j"));
        assert.deepStrictEqual(lines, [], "unchanged resources are no work to report");
        progress.onEvent(pre("create-replacement", CONTAINER, "openWebui"));
        now = 10_000;
        progress.tick();
        assert.strictEqual(lines.length, 1, "no heartbeat before its interval");
        now = 40_000;
        progress.tick();
        progress.onEvent(done(CONTAINER, "openWebui"));
        progress.onEvent(pre("replace", CONTAINER, "openWebui"));
        progress.onEvent(done(CONTAINER, "openWebui"));
        now = 41_000;
        progress.onEvent(pre("delete-replaced", CONTAINER, "openWebui"));
        assert.deepStrictEqual(lines, [
            "pulumi up (0 s): 0 of 3 changes done; in progress: create-replacement openWebui",
            "pulumi up (40 s): 0 of 3 changes done; in progress: create-replacement openWebui",
            "pulumi up (40 s): 1 of 3 changes done; in progress: replace openWebui",
            "pulumi up (41 s): 2 of 3 changes done; in progress: delete-replaced openWebui",
        ]);
        now = 90_000;
        progress.onEvent(done(CONTAINER, "openWebui"));
        progress.tick();
        assert.strictEqual(lines.length, 4, "nothing running: no heartbeat");
        assert.strictEqual(progress.line(), "pulumi up (90 s): 3 of 3 changes done");
    });

    it("counts the changes a preview planned the way the update's lines count them", () => {
        assert.strictEqual(changesIn([{ op: "same" }, { op: "create" }, { op: "replace" }, { op: "refresh" }, { op: "delete-replaced" }]), 3);
    });
});
