// The graph part of the sync against real Neo4j Community containers: production is frozen only for a
// moment, staging gets the graph with no planted value, keyed email pseudonyms, types, indexes and
// constraints intact, and a value the sanitizer cannot clean fails the sync with staging untouched.
import * as assert from "assert";
import { EXIT } from "../../platform/exitCodes";
import { spawnSync } from "child_process";
import { PEOPLE, plantedValues } from "./dataset";
import { SYNC_KEY, fillProduction, runCli } from "./env";
import { PRODUCTION_NEO4J, STAGING_NEO4J, cypher, fillProductionGraph, textSanitizer } from "./graph";
import { sanitizedEmail } from "../../sync/session-sql";
import { testImage } from "../support/images";

const GRAPH_ENV = {
    PA_SYNC_PRODUCTION_NEO4J: PRODUCTION_NEO4J,
    PA_SYNC_STAGING_NEO4J: STAGING_NEO4J,
    PA_SYNC_COPIER_IMAGE: process.env.PA_SYNCTEST_COPIER_IMAGE ?? testImage("n8n"),
};

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
            const paused = spawnSync("docker", ["inspect", "-f", "{{.State.Paused}}", PRODUCTION_NEO4J], { encoding: "utf8" }).stdout.trim();
            assert.strictEqual(paused, "false");
        } finally {
            cypher(PRODUCTION_NEO4J, "MATCH (n:Note) DELETE n");
        }
    });
});
