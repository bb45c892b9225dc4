// The person names the graph and file sidecars look for, as keyed hashes of their folded form: a
// names sidecar (sync/sidecars/names.ts) in production's Postgres container's network namespace reads
// them from every app database and prints only the hashes, so the names never leave production.
import { APP_DATABASES } from "../model/databases";
import { syncKeyMountArgs } from "../model/sync";
import { DockerSide, docker } from "./docker";
import { APP_RULES } from "./rules";
import { sidecarProgram, sidecarReport } from "./sidecars/program";

export interface NamesSettings {
    /** Per database, SELECTs returning one person name per row. */
    sources: Array<{ database: string; queries: string[] }>;
}

export interface NameHashes {
    hashes: string[];
    lengths: number[];
}

export async function hashNamesOnProduction(productionPostgres: DockerSide, image: string, keyVolume: string, labels: string[]): Promise<NameHashes> {
    const settings: NamesSettings = { sources: APP_DATABASES.map((db) => ({ database: db.name, queries: [...APP_RULES[db.app].nameSources] })) };
    const output = await docker({ host: productionPostgres.host, container: "" }, [
        "run", "--rm", "-i", ...labels, ...syncKeyMountArgs(keyVolume), "--log-driver", "none", "--network", `container:${productionPostgres.container}`, "--entrypoint", "node", image, "-",
    ], sidecarProgram("names", settings));
    const result = sidecarReport(output) as Partial<NameHashes> | undefined;
    if (!Array.isArray(result?.hashes) || !Array.isArray(result?.lengths)) throw new Error("the names hasher on production's host printed no result");
    return { hashes: result.hashes, lengths: result.lengths };
}
