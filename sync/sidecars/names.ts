// Sidecar entry: the keyed hashes of the person names in production's app databases, for the graph
// and file sidecars (which find names by hash, so the names never leave production's Postgres in
// clear). Runs in the Postgres container's network namespace; prints `{ hashes, lengths }`.
import { nameHash, searchableName } from "../pii/names";
import { NOT_NAMES } from "../text";
import type { NamesSettings } from "../names";
import { connect } from "./pg-wire";
import { finish, sidecarSettings, syncKey } from "./runtime";

async function hashNames(settings: NamesSettings, key: string): Promise<{ hashes: string[]; lengths: number[] }> {
    const hashes = new Set<string>();
    const lengths = new Set<number>();
    for (const { database, queries } of settings.sources) {
        const session = await connect(database, "pa-sync-names");
        for (const query of queries) {
            for (const [name] of await session.run(query)) {
                const folded = name ? searchableName(name, NOT_NAMES) : undefined;
                if (folded === undefined) continue;
                hashes.add(nameHash(key, folded));
                lengths.add(folded.length);
            }
        }
        session.end();
    }
    return { hashes: [...hashes], lengths: [...lengths] };
}

const settings = sidecarSettings<NamesSettings>();
finish(hashNames(settings, syncKey()), (result) => process.stdout.write(JSON.stringify(result) + "\n"));
