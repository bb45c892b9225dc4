// The documented workflow on the real Pulumi engine and the local Docker engine, in a sandbox
// clone: deploy staging, promote to a local production stack, break production on purpose (an image
// that never becomes healthy) and watch the automatic rollback restore service with data intact,
// then rollback --tag and --emergency.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { RealOperations } from "../../cli/operations";
import { promote } from "../../cli/promotion";
import { AutomationEngine } from "../../cli/engine";
import { GitCli } from "../../cli/git";
import { Logger } from "../../cli/log";
import { DockerCli } from "../../cli/probes/docker";
import { httpProbe } from "../../cli/probes/http";
import { listPoints } from "../../cli/rollbackPoints";
import { brokenImageOf, createSandbox, Sandbox } from "./sandbox";

const psql = (sql: string) => execFileSync("docker", ["exec", "pa-production-postgres", "psql", "-h", "localhost", "-U", "postgres", "-d", "letta", "-tAc", sql], { encoding: "utf8" }).trim();

describe("operator workflow on the real engine", () => {
    let box: Sandbox;
    before(() => (box = createSandbox()));
    after(async () => box && (await box.dispose()));

    it("deploy-staging brings staging-laptop up healthy", async () => {
        assert.strictEqual(await box.pa("deploy-staging", "--env", "laptop"), 0);
        assert.strictEqual(await box.pa("health", "--staging"), 0);
    });

    it("the first promotion deploys production (nothing to roll back to yet)", async () => {
        assert.strictEqual(await box.pa("promote", "--yes"), 0);
        assert.strictEqual(await box.pa("health", "--production"), 0);
    });

    it("a second promotion records a validated rollback point with a backup", async () => {
        psql("CREATE TABLE e2e_marker (v text); INSERT INTO e2e_marker VALUES ('kept')");
        assert.strictEqual(await box.pa("promote", "--yes"), 0);
        const points = await listPoints(new GitCli(box.dir), "production");
        assert.strictEqual(points.length, 1);
        assert.strictEqual(points[0].manifest.validated, true);
        assert.ok(fs.existsSync(path.join(box.dir, points[0].manifest.backup!, "manifest.json")));
        assert.strictEqual(await box.pa("rollback", "--list"), 0);
    });

    it("a broken image in production is rolled back automatically, data intact", async () => {
        const docker = new DockerCli();
        const log = new Logger({ repo: box.dir, kind: "promote", debug: process.env.DEBUG === "true" });
        const real = new RealOperations({ projectRoot: box.dir, engine: new AutomationEngine(box.dir), git: new GitCli(box.dir), docker, http: httpProbe, log });
        const stagingTarget = await real.targetOf(await real.openStack("staging-laptop"));
        const broken = brokenImageOf(stagingTarget.images.letta);
        // Staging stays healthy on the good image; only the versions handed to production are broken.
        const ops = Object.assign(Object.create(real), {
            targetOf: async (stack: { name: string }) => {
                const t = await real.targetOf(stack as never);
                return stack.name === "staging-laptop" ? { ...t, images: { ...t.images, letta: broken } } : t;
            },
        }) as RealOperations;
        const result = await promote(ops, {
            productionStack: "production",
            stagingStack: "staging-laptop",
            yes: true,
            validateTimeoutMs: 120_000,
            rollbackTimeoutMs: 300_000,
            restoreDataOnRollback: false,
            say: (l) => log.info(l),
            engineOutput: (l) => log.debug(l),
        });
        assert.strictEqual(result.outcome, "rolled-back", JSON.stringify(result));
        assert.deepStrictEqual(result.dataTouched, ["letta"]);
        assert.strictEqual(await box.pa("health", "--production"), 0);
        assert.strictEqual(psql("SELECT v FROM e2e_marker"), "kept");
        assert.notStrictEqual(execFileSync("docker", ["inspect", "-f", "{{.Config.Image}}", "pa-production-letta"], { encoding: "utf8" }).trim(), broken);
    });

    it("rollback --tag redeploys a point with its data", async () => {
        const [point] = await listPoints(new GitCli(box.dir), "production");
        psql("DELETE FROM e2e_marker");
        assert.strictEqual(await box.pa("rollback", "--tag", point.tag, "--with-data", "--yes"), 0);
        assert.strictEqual(psql("SELECT v FROM e2e_marker"), "kept");
    });

    it("rollback --emergency returns to the last validated point", async () => {
        execFileSync("docker", ["rm", "-f", "pa-production-letta"]);
        assert.strictEqual(await box.pa("rollback", "--emergency"), 0);
        assert.strictEqual(await box.pa("health", "--production"), 0);
    });

    it("a second promotion while one holds the lock is refused with exit code 3", async () => {
        fs.mkdirSync(path.join(box.dir, "logs/locks"), { recursive: true });
        fs.writeFileSync(path.join(box.dir, "logs/locks/production.lock"), JSON.stringify({ pid: process.pid, host: require("os").hostname(), startedAt: "now", command: "promote" }));
        assert.strictEqual(await box.pa("promote", "--yes"), 3);
        fs.rmSync(path.join(box.dir, "logs/locks/production.lock"));
    });
});
