// The restore's database swap when a psql exits without a word (seen once over an ssh link): the
// catalog decides whether the swap committed, so it is finished, or tried once more, never done twice.
// Postgres is played by a catalog of database names that the fake psql applies the statements to.
import * as assert from "assert";
import { swapDatabases } from "../../cli/backup/backups";
import { DockerClient, ExecResult } from "../../platform/dockerClient";
import { Target } from "../../cli/stacks/target";

type Fault = "silent-before" | "silent-after" | "sql-error" | undefined;

/** A psql that applies DROP/ALTER ... RENAME/SELECT datname to `catalog`, with `faults[i]` on its i-th run. */
function fakePostgres(catalog: Set<string>, faults: Record<number, Fault>) {
    const runs: string[] = [];
    const apply = (sql: string): string => {
        if (sql.startsWith("SELECT datname")) return [...catalog].join("\n") + "\n";
        for (const [, name] of sql.matchAll(/DROP DATABASE IF EXISTS "([^"]+)"/g)) catalog.delete(name);
        const renames = [...sql.matchAll(/ALTER DATABASE "([^"]+)" RENAME TO "([^"]+)"/g)];
        for (const [, from] of renames) if (!catalog.has(from)) throw new Error(`database "${from}" does not exist`);
        for (const [, from, to] of renames) {
            catalog.delete(from);
            catalog.add(to);
        }
        return "";
    };
    const exec = async (_container: string, _command: string[], options: { stdin?: string } = {}): Promise<ExecResult> => {
        const sql = options.stdin ?? "";
        const fault = faults[runs.length];
        runs.push(sql);
        if (fault === "silent-before") return { code: 255, stdout: "", stderr: "", ms: 1 };
        if (fault === "sql-error") return { code: 3, stdout: "", stderr: 'ERROR:  database "letta" is being accessed by other users\n', ms: 1 };
        let stdout: string;
        try {
            stdout = apply(sql);
        } catch (error) {
            return { code: 3, stdout: "", stderr: `ERROR:  ${(error as Error).message}\n`, ms: 1 };
        }
        if (fault === "silent-after") return { code: 255, stdout: "", stderr: "", ms: 1 };
        return { code: 0, stdout, stderr: "", ms: 1 };
    };
    return { docker: { exec } as unknown as DockerClient, runs };
}

const target = { stack: "production", containers: { postgres: "pa-production-postgres" } } as unknown as Target;
const DATABASES = ["letta", "n8n"];
const swapRun = (runs: string[]) => runs.filter((sql) => sql.startsWith("BEGIN;")).length;

function restoreCatalog(): Set<string> {
    return new Set(["postgres", "letta", "n8n", "letta_pa_restore", "n8n_pa_restore"]);
}

async function swapWith(faults: Record<number, Fault>) {
    const catalog = restoreCatalog();
    const said: string[] = [];
    const postgres = fakePostgres(catalog, faults);
    const result = await swapDatabases(target, { docker: postgres.docker, say: (l) => said.push(l), now: () => new Date() }, DATABASES).then(
        () => undefined,
        (error: Error) => error,
    );
    return { catalog, said, runs: postgres.runs, error: result };
}

describe("restore: the database swap", () => {
    it("swaps the restored databases in and drops the live ones, nothing left over", async () => {
        const { catalog, runs, error } = await swapWith({});
        assert.strictEqual(error, undefined);
        assert.deepStrictEqual([...catalog].sort(), ["letta", "n8n", "postgres"]);
        assert.strictEqual(swapRun(runs), 1);
    });

    it("a psql that committed the swap and then died without a word: the catalog says committed, the swap is not run again", async () => {
        // runs 0 and 1 drop leftovers, run 2 is the swap
        const { catalog, runs, said, error } = await swapWith({ 2: "silent-after" });
        assert.strictEqual(error, undefined);
        assert.deepStrictEqual([...catalog].sort(), ["letta", "n8n", "postgres"]);
        assert.strictEqual(swapRun(runs), 1);
        assert.ok(said.some((l) => /psql failed \(exit 255, the ssh link to the Docker host\): no message on stderr, but the swap was committed/.test(l)), said.join("\n"));
    });

    it("a psql that died without a word before committing: the swap is tried once more", async () => {
        const { catalog, runs, said, error } = await swapWith({ 2: "silent-before" });
        assert.strictEqual(error, undefined);
        assert.deepStrictEqual([...catalog].sort(), ["letta", "n8n", "postgres"]);
        assert.strictEqual(swapRun(runs), 2);
        assert.ok(said.some((l) => /before the swap was committed; trying it once more/.test(l)), said.join("\n"));
    });

    it("an SQL error is not retried: it fails naming Postgres's message, the live databases in place", async () => {
        const { catalog, runs, error } = await swapWith({ 2: "sql-error" });
        assert.match(String(error), /psql failed \(exit 3\): ERROR: {2}database "letta" is being accessed by other users/);
        assert.strictEqual(swapRun(runs), 1);
        assert.deepStrictEqual([...catalog].sort(), restoreCatalogSorted());
    });

    it("a silent exit twice in a row fails, the live databases in place", async () => {
        const { catalog, error } = await swapWith({ 2: "silent-before", 3: "silent-before", 4: "silent-before" });
        assert.match(String(error), /psql failed \(exit 255/);
        assert.deepStrictEqual([...catalog].sort(), restoreCatalogSorted());
    });

    it("a dropped leftover whose psql died without a word is dropped once more", async () => {
        const { catalog, runs, error } = await swapWith({ 0: "silent-before" });
        assert.strictEqual(error, undefined);
        assert.deepStrictEqual([...catalog].sort(), ["letta", "n8n", "postgres"]);
        assert.strictEqual(runs.filter((sql) => sql.includes('"letta_pa_previous" WITH (FORCE)')).length, 3);
    });
});

function restoreCatalogSorted(): string[] {
    return [...restoreCatalog()].sort();
}
