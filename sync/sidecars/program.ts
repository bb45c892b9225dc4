// The JavaScript a Node.js sidecar on production's host runs: one of the entry points beside this
// file, bundled by esbuild with everything it imports (the detectors, libphonenumber-js and its
// metadata) into one script, after a first line that sets its settings. It is sent on stdin to
// `node -`, so no secret is on a command line. Bundles are built once per process.
import { bundleProgram } from "../../platform/bundle";

export type SidecarEntry = "rows" | "graph" | "files" | "names";

/** The oldest Node.js a production image may bring (n8n 1.x images ship Node 20 or 22). */
const NODE_TARGET = "node18";

export function sidecarBundle(entry: SidecarEntry): string {
    return bundleProgram(__dirname, entry, NODE_TARGET);
}

/** The program: its settings as the first line, then the bundle. */
export function sidecarProgram(entry: SidecarEntry, settings: unknown): string {
    return `globalThis.paSidecarSettings = ${JSON.stringify(settings)};\n${sidecarBundle(entry)}`;
}

/** The last line of a sidecar's output that is a JSON object (a runtime warning may follow or precede it). */
export function sidecarReport(output: string): unknown {
    for (const line of output.trim().split("\n").reverse()) {
        if (!line.startsWith("{")) continue;
        try {
            return JSON.parse(line);
        } catch {
            // Not the report: keep looking.
        }
    }
    return undefined;
}
