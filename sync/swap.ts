// Staging's side of the switch: leftovers of an interrupted sync are removed first, and the verified
// copies replace the live databases in one transaction, so staging serves either all old or all new data.
import { AppDatabase } from "../spec/databases";
import { incomingDatabaseName, previousDatabaseName } from "../spec/sync";
import { quoteIdent } from "./catalog";
import { DockerSide, docker, runIn } from "./docker";
import { SyncLog } from "./log";
import { psql } from "./postgres";

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** Drops incoming copies (never served) and previous databases whose successor is live. */
export async function dropLeftovers(staging: DockerSide, databases: readonly AppDatabase[]): Promise<string[]> {
    const names = databases.flatMap((db) => [incomingDatabaseName(db.name), previousDatabaseName(db.name)]);
    const found = (await runIn(staging, psql("postgres"), `SELECT datname FROM pg_database WHERE datname IN (${names.map(literal).join(", ")});`))
        .split("\n").map((l) => l.trim()).filter(Boolean);
    for (const name of found) await runIn(staging, psql("postgres"), `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE);\n`);
    return found;
}

/** Renames every live database away and every incoming copy into its place, in one transaction, then drops the old ones. */
export async function swapIn(staging: DockerSide, databases: readonly AppDatabase[], log: SyncLog): Promise<void> {
    const live = databases.map((db) => db.name);
    const statements = [
        "BEGIN;",
        // Sessions left open by anything still connected; renaming waits up to 5 s for them to end.
        `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname IN (${live.map(literal).join(", ")}) AND pid <> pg_backend_pid();`,
        ...databases.flatMap((db) => [
            `DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_database WHERE datname = ${literal(db.name)}) THEN EXECUTE ${literal(`ALTER DATABASE ${quoteIdent(db.name)} RENAME TO ${quoteIdent(previousDatabaseName(db.name))}`)}; END IF; END $$;`,
            `ALTER DATABASE ${quoteIdent(incomingDatabaseName(db.name))} RENAME TO ${quoteIdent(db.name)};`,
        ]),
        "COMMIT;",
    ];
    await runIn(staging, psql("postgres"), statements.join("\n") + "\n");
    log.debug("swapped in; dropping the previous databases");
    for (const db of databases) await runIn(staging, psql("postgres"), `DROP DATABASE IF EXISTS ${quoteIdent(previousDatabaseName(db.name))} WITH (FORCE);\n`);
}

/** Stops the staging apps that are running (so none writes during the swap) and returns them, to start again. */
export async function stopRunning(side: Omit<DockerSide, "container">, containers: readonly string[]): Promise<string[]> {
    if (containers.length === 0) return [];
    const running = (await docker({ ...side, container: "" }, ["ps", "--format", "{{.Names}}"])).split("\n").map((l) => l.trim());
    const toStop = containers.filter((c) => running.includes(c));
    if (toStop.length > 0) await docker({ ...side, container: "" }, ["stop", ...toStop]);
    return toStop;
}

export async function startAgain(side: Omit<DockerSide, "container">, containers: readonly string[]): Promise<void> {
    if (containers.length > 0) await docker({ ...side, container: "" }, ["start", ...containers]);
}
