// "Healthy" after a deploy, a promotion or a rollback means healthy in consecutive rounds: one passing
// round between failing ones is not enough.
import * as assert from "assert";
import { HealthReport } from "../../../cli/checks/health";
import { Logger } from "../../../platform/log";
import { RealOperations, RealOperationsDeps } from "../../../cli/stacks/operations";
import { Target } from "../../../cli/stacks/target";
import { healthReport, target, OLD_IMAGES } from "./fakes";

class ScriptedHealth extends RealOperations {
    rounds = 0;
    constructor(private readonly script: boolean[]) {
        super({ projectRoot: "/project", log: new Logger({ repo: "/nonexistent", kind: "promote", debug: false, quiet: true, toFile: false }), pollIntervalMs: 1 } as unknown as RealOperationsDeps);
    }
    override async health(t: Target): Promise<HealthReport> {
        this.rounds++;
        return healthReport(t.stack, this.script.shift() ?? false);
    }
}

describe("waitHealthy", () => {
    it("returns healthy only after two healthy rounds in a row", async () => {
        const ops = new ScriptedHealth([false, true, false, true, true, false]);
        const report = await ops.waitHealthy(target("production", OLD_IMAGES), 10_000);
        assert.strictEqual(report.healthy, true);
        assert.strictEqual(ops.rounds, 5);
    });

    it("returns the last report when the time is up", async () => {
        const ops = new ScriptedHealth([true, false, true, false, true, false, true, false]);
        const report = await ops.waitHealthy(target("production", OLD_IMAGES), 0);
        assert.strictEqual(ops.rounds, 1);
        assert.strictEqual(report.healthy, true, "a single round when no time is given: its report as it is");
    });
});
