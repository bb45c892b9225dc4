// What every sidecar program shares: its settings (prepended to the bundle by sidecarProgram) and
// how it ends: a failure prints `Error: <message>` on stderr and exits 1.

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
