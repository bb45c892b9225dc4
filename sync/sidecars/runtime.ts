// What every sidecar program shares: its settings (prepended to the bundle by sidecarProgram), the
// pseudonym key (from the key volume production's stack declares, mounted read-only), and how it
// ends: a failure prints `Error: <message>` on stderr and exits 1.
import { readFileSync } from "fs";
import { SYNC_KEY_DIR, SYNC_KEY_FILE } from "../../model/sync";

declare const globalThis: { paSidecarSettings?: unknown };

export function sidecarSettings<T>(): T {
    if (globalThis.paSidecarSettings === undefined) throw new Error("no settings: run this program through sidecarProgram()");
    return globalThis.paSidecarSettings as T;
}

export function finish<T>(work: Promise<T>, onResult: (result: T) => void): void {
    work.then(onResult, (err: unknown) => {
        process.stderr.write("Error: " + (err instanceof Error ? err.message : String(err)) + "\n");
        process.exit(1);
    });
}

/** The pseudonym key, read from the key volume on production's host (it never travels to the laptop). */
export function syncKey(): string {
    const file = `${SYNC_KEY_DIR}/${SYNC_KEY_FILE}`;
    let key: string;
    try {
        key = readFileSync(file, "utf8").trim();
    } catch {
        throw new Error(`no sync key at ${file}: the key volume of production's stack is missing or empty; run "pulumi up" on production's stack (it declares the key)`);
    }
    if (key.length < 16) throw new Error(`the sync key at ${file} is shorter than 16 characters; run "pulumi up" on production's stack to write it again`);
    return key;
}
