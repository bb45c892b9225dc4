// A throwaway Pulumi stack of this project on a throwaway file backend, driven through the
// Automation API with the CLI that setup/toolchain.sh built (found on PATH).
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";

// The CLI's own step recorder, so the tests read a plan the way `pa` does.
export { stepRecorder } from "../../cli/stacks/engine";
export { testImages } from "../support/images";

export const PROJECT_ROOT = path.resolve(__dirname, "../..");

export interface ThrowawayStack {
    stack: Stack;
    name: string;
    backendDir: string;
    /** Removes the stack's config file and the backend folder. */
    dispose(): Promise<void>;
}

export async function createThrowawayStack(name: string, config: Record<string, unknown>): Promise<ThrowawayStack> {
    const backendDir = fs.mkdtempSync(path.join(os.tmpdir(), "pa-e2e-state-"));
    const pulumiCommand = await PulumiCommand.get();
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: name, workDir: PROJECT_ROOT },
        {
            pulumiCommand,
            envVars: {
                PULUMI_BACKEND_URL: `file://${backendDir}`,
                PULUMI_CONFIG_PASSPHRASE: crypto.randomBytes(24).toString("base64"),
                PULUMI_SKIP_UPDATE_CHECK: "true",
                PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            },
        },
    );
    await setConfig(stack, config);
    return {
        stack,
        name,
        backendDir,
        async dispose() {
            fs.rmSync(path.join(PROJECT_ROOT, `Pulumi.${name}.yaml`), { force: true });
            fs.rmSync(backendDir, { recursive: true, force: true });
        },
    };
}

/** Sets `pa:` config the way a person would with `pulumi config set --path`. */
export async function setConfig(stack: Stack, config: Record<string, unknown>): Promise<void> {
    for (const [key, value] of Object.entries(config)) {
        await stack.setConfig(`pa:${key}`, { value: typeof value === "string" ? value : JSON.stringify(value) });
    }
}

export function progress(prefix: string): (line: string) => void {
    return (line) => {
        const text = line.trimEnd();
        if (text) process.stdout.write(`      ${prefix} ${text}\n`);
    };
}
