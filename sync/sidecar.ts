// The JavaScript a Node.js sidecar on production's host runs (sent on stdin to `node -`, so no secret
// is on a command line): its settings as JSON, the self-contained functions it needs, then one call.
// The graph copier, the file archiver and the row sanitizer are all built this way.

/**
 * `call` is an expression over `settings` that returns a promise; `onResult` is the source of a
 * function of its result. A failure prints `Error: <message>` on stderr and exits 1.
 */
// eslint-disable-next-line @typescript-eslint/ban-types
export function sidecarProgram(settings: unknown, functions: Function[], call: string, onResult: string): string {
    return [
        `const settings = ${JSON.stringify(settings)};`,
        ...functions.map((f) => f.toString()),
        `${call}.then(`,
        `  ${onResult},`,
        `  (err) => { process.stderr.write("Error: " + (err && err.message ? err.message : String(err)) + "\\n"); process.exit(1); });`,
    ].join("\n");
}
