// The sidecar programs as single JavaScript files (esbuild), written into their containers by the stack
// (components/BackupScheduler.ts uploads them), so the official node image runs them as they are: no
// image of ours on the server, no package install there. Bundled when the Pulumi program runs; the
// output is deterministic, so an unchanged program does not replace its container.
import * as esbuild from "esbuild";
import * as path from "path";

export const SIDECAR_ENTRIES = {
    dockerApiProxy: "dockerApiProxy.ts",
    backupScheduler: "backupScheduler.ts",
} as const;
export type Sidecar = keyof typeof SIDECAR_ENTRIES;

export function bundleSidecar(sidecar: Sidecar): string {
    const result = esbuild.buildSync({
        entryPoints: [path.join(__dirname, SIDECAR_ENTRIES[sidecar])],
        bundle: true,
        platform: "node",
        // The oldest Node the sidecars meet: Debian's nodejs in the test image.
        target: "node20",
        format: "cjs",
        write: false,
        legalComments: "none",
        logLevel: "silent",
        // Paths in the output are relative to this folder, whatever the checkout's location.
        absWorkingDir: path.join(__dirname, ".."),
    });
    return result.outputFiles[0].text;
}
