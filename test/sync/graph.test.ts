// The graph part of the sync against real Neo4j Community containers: production is frozen only for a
// moment, staging gets the graph with no planted value, keyed email pseudonyms, types, indexes and
// constraints intact, and a value the sanitizer cannot clean fails the sync with staging untouched.
import * as assert from "assert";
import { EXIT } from "../../platform/exitCodes";
import { spawn, spawnSync } from "child_process";
import { PEOPLE, plantedValues } from "./dataset";
import { SYNC_KEY, fillProduction, runCli, startCli } from "./env";
import { PRODUCTION_NEO4J, STAGING_NEO4J, cypher, fillProductionGraph, textSanitizer } from "./graph";
import { sanitizedEmail } from "../../sync/session-sql";
import { testImage } from "../support/images";

const GRAPH_ENV = {
    PA_SYNC_PRODUCTION_NEO4J: PRODUCTION_NEO4J,
    PA_SYNC_STAGING_NEO4J: STAGING_NEO4J,
    PA_SYNC_COPIER_IMAGE: process.env.PA_SYNCTEST_COPIER_IMAGE ?? testImage("n8n"),
};

const paused = () => spawnSync("docker", ["inspect", "-f", "{{.State.Paused}}", PRODUCTION_NEO4J], { encoding: "utf8" }).stdout.trim();

/**
 * 60,000 empty files in production's Neo4j folder: copying them takes seconds (file creation, not bytes,
 * so the page cache cannot make it fast), and the freeze lasts that long.
 */
function withBallast<T>(body: () => Promise<T>): Promise<T> {
    spawnSync("docker", ["exec", "-u", "0", PRODUCTION_NEO4J, "sh", "-c", "mkdir -p /data/pa-test-ballast && cd /data/pa-test-ballast && seq 1 60000 | xargs touch"]);
    return body().finally(() => spawnSync("docker", ["exec", "-u", "0", PRODUCTION_NEO4J, "rm", "-rf", "/data/pa-test-ballast"]));
}

/** What a SIGKILLed run leaves (its store copier and volumes); the next sync removes them only after hours. */
function removeKilledRunScratch(): void {
    const ids = (args: string[]) => spawnSync("docker", [...args, "--filter", "label=pa.sync.run", "-q"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
    const containers = ids(["ps", "-a"]);
    if (containers.length) spawnSync("docker", ["rm", "-f", "-v", ...containers]);
    const volumes = ids(["volume", "ls"]);
    if (volumes.length) spawnSync("docker", ["volume", "rm", "-f", ...volumes]);
}

function scratchLeft(): string {
    const list = (args: string[]) => spawnSync("docker", [...args, "--filter", "label=pa.sync.run", "-q"], { encoding: "utf8" }).stdout.trim();
    return [list(["ps", "-a"]), list(["volume", "ls"]), list(["network", "ls"])].join("");
}

describe("production -> staging graph sync (real Neo4j)", function () {
    this.timeout(600_000);

    before(() => {
        // The names searched in the graph's free text come from production's Postgres.
        fillProduction({ rows: 100 });
        fillProductionGraph();
        cypher(STAGING_NEO4J, "MATCH (n) DETACH DELETE n");
        cypher(STAGING_NEO4J, "CREATE (:StagingMarker {v: 1})");
    });

    it("copies the graph sanitized, with a short freeze of production and nothing left behind", async () => {
        const production = textSanitizer(PRODUCTION_NEO4J);
        const run = await runCli(["--json", "--parts", "neo4j"], GRAPH_ENV);
        assert.strictEqual(run.code, 0, run.stderr + run.stdout);
        const summary = JSON.parse(run.stdout.trim().split("\n").pop()!);
        assert.strictEqual(summary.graph.nodes, PEOPLE.length + 50);
        assert.strictEqual(summary.graph.relationships, 20);
        assert.ok(summary.graph.pause.frozenSeconds < 5, `frozen ${summary.graph.pause.frozenSeconds} s`);

        const staging = textSanitizer(STAGING_NEO4J);
        assert.deepStrictEqual(plantedValues().filter((value) => staging.includes(value) || run.stdout.includes(value) || run.stderr.includes(value)), []);
        assert.ok(staging.includes(sanitizedEmail(SYNC_KEY, PEOPLE[0].email)), "emails keep the pseudonyms of the Postgres side");
        assert.ok(!staging.includes("StagingMarker"), "staging's old graph was not replaced");
        // Types survive: integers stay integers, dates dates.
        assert.deepStrictEqual(cypher(STAGING_NEO4J, "MATCH (p:Person) RETURN DISTINCT p.score, toString(p.born), p.name"), [[7, "1980-01-01", "Test User"]]);
        const schema = cypher(STAGING_NEO4J, "SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name ORDER BY name");
        assert.deepStrictEqual(schema, [["person_email"], ["topic_name"]]);
        // Production is untouched and answering.
        assert.strictEqual(textSanitizer(PRODUCTION_NEO4J), production);
        assert.strictEqual(scratchLeft(), "", "scratch containers, volumes or networks left on production's engine");
    });

    it("fails closed when a value still looks personal after sanitizing, leaving staging as it was", async () => {
        // With only US formats to rewrite, a German national number is left by the sanitizer; the scan
        // knows the default regions too and stops the sync.
        cypher(PRODUCTION_NEO4J, "CREATE (:Note {text: 'ref 030 1234567'})");
        const before = textSanitizer(STAGING_NEO4J);
        try {
            const run = await runCli(["--json", "--parts", "neo4j"], { ...GRAPH_ENV, PA_SYNC_PHONE_REGIONS: "US" });
            assert.strictEqual(run.code, EXIT.personalData, run.stderr + run.stdout);
            const result = JSON.parse(run.stdout.trim().split("\n").pop()!);
            assert.deepStrictEqual(result.leaks, [{ where: "(:Note)", property: "text", count: 1 }]);
            assert.ok(!(run.stdout + run.stderr).includes("1234567"));
            assert.strictEqual(textSanitizer(STAGING_NEO4J), before, "staging changed");
            assert.strictEqual(scratchLeft(), "");
            assert.strictEqual(paused(), "false");
        } finally {
            cypher(PRODUCTION_NEO4J, "MATCH (n:Note) DELETE n");
        }
    });

    it("a sync killed inside production's freeze leaves it frozen only until the watchdog on production's host thaws it", async () => {
        const before = textSanitizer(STAGING_NEO4J);
        await withBallast(async () => {
            const pauses = spawn("docker", ["events", "--filter", `container=${PRODUCTION_NEO4J}`, "--filter", "event=pause", "--format", "{{.Action}}"]);
            try {
                const child = startCli(["--json", "--parts", "neo4j"], { ...GRAPH_ENV, PA_SYNC_FREEZE_MAX_SECONDS: "8" });
                let seen = "";
                child.stdout.on("data", (c: Buffer) => (seen += c.toString()));
                const closed = new Promise((resolve) => child.on("close", resolve));
                await new Promise<void>((resolve, reject) => {
                    pauses.stdout.once("data", () => resolve());
                    child.once("close", () => reject(new Error(`the sync ended before it froze production: ${seen}`)));
                });
                const frozenAt = Date.now();
                // The laptop dies (or the link drops) with production frozen: nothing here will thaw it.
                child.kill("SIGKILL");
                await closed;
                assert.strictEqual(paused(), "true", "production should still be frozen right after the kill");
                while (paused() === "true") {
                    assert.ok(Date.now() - frozenAt < 40_000, "production still frozen 40 s after the kill: no watchdog thawed it");
                    await new Promise((r) => setTimeout(r, 250));
                }
                const frozenFor = (Date.now() - frozenAt) / 1000;
                assert.ok(frozenFor > 4 && frozenFor < 20, `thawed after ${frozenFor.toFixed(1)} s, the limit is 8 s from the watchdog's start`);
                assert.deepStrictEqual(cypher(PRODUCTION_NEO4J, "RETURN 1"), [[1]], "production answers again");
                assert.strictEqual(textSanitizer(STAGING_NEO4J), before, "staging changed");
            } finally {
                pauses.kill();
                removeKilledRunScratch();
            }
        });
    });

    it("a store copy that outlasts the freeze limit fails the sync: production thawed, staging as it was, nothing left", async () => {
        const before = textSanitizer(STAGING_NEO4J);
        await withBallast(async () => {
            const run = await runCli(["--json", "--parts", "neo4j"], { ...GRAPH_ENV, PA_SYNC_FREEZE_MAX_SECONDS: "1" });
            assert.strictEqual(run.code, EXIT.failed, run.stderr + run.stdout);
            assert.match(run.stderr + run.stdout, /outlasted the freeze limit \(1 s, PA_SYNC_FREEZE_MAX_SECONDS\)/);
            assert.strictEqual(paused(), "false");
            assert.strictEqual(textSanitizer(STAGING_NEO4J), before, "staging changed");
            assert.strictEqual(scratchLeft(), "");
        });
    });
});
