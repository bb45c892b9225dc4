// The backup scheduler's programs as single JavaScript files (platform/bundle.ts), written into their
// containers by the stack (components/BackupScheduler.ts uploads them), so the official node image runs
// them as they are: no image of ours on the server, no package install there. The bundle is
// deterministic, so an unchanged program does not replace its container.
import * as fs from "fs";
import * as path from "path";
import { bundleProgram } from "../platform/bundle";

export const SIDECAR_ENTRIES = {
    dockerApiProxy: "dockerApiProxy",
    backupScheduler: "backupScheduler",
} as const;
export type Sidecar = keyof typeof SIDECAR_ENTRIES;

/** The oldest Node.js the sidecars meet: Debian's nodejs in the test image. */
const NODE_TARGET = "node20";

export function bundleSidecar(sidecar: Sidecar): string {
    const source = [".ts", ".js"].map((ext) => path.join(__dirname, SIDECAR_ENTRIES[sidecar] + ext)).find((file) => fs.existsSync(file));
    if (!source) throw new Error(`sidecar ${sidecar} not found beside ${__filename}`);
    return bundleProgram(source, NODE_TARGET);
}
