// Choices several commands share: which stack a flag selects, and the staging stack of this host.
import { ParsedFlags, UsageError } from "../args";
import { detectHostProfile, readHostFacts, stagingStackFor } from "../hostProfile";

export const PRODUCTION_STACK = "production";

export function stagingStack(flags: ParsedFlags): { stack: string; reason: string } {
    const env = flags.get("env");
    const detection = detectHostProfile(readHostFacts(typeof env === "string" ? env : undefined));
    return { stack: stagingStackFor(detection.profile), reason: detection.reason };
}

/** --staging (the default) or --production; --stack NAME for any other stack. */
export function chosenStack(flags: ParsedFlags): string {
    const picked = ["staging", "production", "stack"].filter((f) => flags.has(f));
    if (picked.length > 1) throw new UsageError("choose one of --staging, --production, --stack");
    const stack = flags.get("stack");
    if (typeof stack === "string") return stack;
    return flags.has("production") ? PRODUCTION_STACK : stagingStack(flags).stack;
}

export const STACK_FLAGS = [
    { name: "staging", help: "this host's staging stack (default; see --env)" },
    { name: "production", help: "the production stack" },
    { name: "stack", value: "name", help: "any other stack of this project" },
    { name: "env", value: "laptop|server", help: "override laptop/server detection for staging" },
];
