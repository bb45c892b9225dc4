// Staging's side of the switch: leftovers of an interrupted sync are removed first, and the verified
// copies replace the live databases in one transaction, so staging serves either all old or all new data.
import { AppDatabase } from "../model/databases";
import { incomingDatabaseName, previousDatabaseName } from "../model/sync";
import { literal, quoteIdent } from "./catalog";
import { APP_SERVICES } from "../config/schema";
import { DockerSide, docker, runIn, runningServices } from "./docker";
import { Logger } from "../platform/log";
import { psql } from "./postgres";

/** Drops incoming copies (never served) and previous databases whose successor is live. */
export async function dropLeftovers(staging: DockerSide, databases: readonly AppDatabase[]): Promise<string[]> {
    const names = databases.flatMap((db) => [incomingDatabaseName(db.name), previousDatabaseName(db.name)]);
    const found = (await runIn(staging, psql("postgres"), `SELECT datname FROM pg_database WHERE datname IN (${names.map(literal).join(", ")});`))
        .split("\n").map((l) => l.trim()).filter(Boolean);
    for (const name of found) await runIn(staging, psql("postgres"), `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE);\n`);
    return found;
}

/** Renames every live database away and every incoming copy into its place, in one transaction, then drops the old ones. */
export async function swapIn(staging: DockerSide, databases: readonly AppDatabase[], log: Logger): Promise<void> {
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

/** Stops the stack's app containers that are running (so none writes during the swap) and returns them, to start again. */
export async function stopRunning(side: Omit<DockerSide, "container">, stack: string): Promise<string[]> {
    const toStop = await runningServices(side, stack, APP_SERVICES);
    if (toStop.length > 0) await docker({ ...side, container: "" }, ["stop", ...toStop]);
    return toStop;
}

/**
 * Starts the containers stopped for the swap and waits up to `waitSeconds` until Docker reports each
 * healthy (or running, for one without a healthcheck); returns those that are not by then.
 */
export async function startAgain(side: Omit<DockerSide, "container">, containers: readonly string[], waitSeconds: number): Promise<string[]> {
    if (containers.length === 0) return [];
    const engine = { ...side, container: "" };
    await docker(engine, ["start", ...containers]);
    const deadline = Date.now() + waitSeconds * 1000;
    let pending = [...containers];
    while (pending.length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        const states = (await docker(engine, ["inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}", ...pending])).trim().split("\n");
        pending = pending.filter((_, i) => !["healthy", "running"].includes(states[i]?.trim()));
    }
    return pending;
}
