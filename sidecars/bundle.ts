// The backup scheduler's programs as single JavaScript files (platform/bundle.ts), written into their
// containers by the stack (components/BackupScheduler.ts uploads them), so the official node image runs
// them as they are: no image of ours on the server, no package install there. The bundle is
// deterministic, so an unchanged program does not replace its container.
import { bundleProgram } from "../platform/bundle";

export type Sidecar = "dockerApiProxy" | "backupScheduler";

/** The oldest Node.js the sidecars meet: Debian's nodejs in the test image. */
const NODE_TARGET = "node20";

export function bundleSidecar(sidecar: Sidecar): string {
    return bundleProgram(__dirname, sidecar, NODE_TARGET);
}
