// Choices several commands share: which stack a flag selects, and the staging stack of this host.
import { ParsedFlags } from "../args";
import { UsageError } from "../../platform/errors";
import { detectHostProfile, readHostFacts, stagingStackFor } from "../stacks/hostProfile";

/**
 * The production stack: `production`, or the one PA_PRODUCTION_STACK names (a test sandbox runs its
 * own beside a real production on the same Docker engine; stack names name the containers).
 */
export function productionStack(): string {
    return process.env.PA_PRODUCTION_STACK || "production";
}

/** This host's staging stack; PA_STAGING_STACK names it directly, skipping laptop/server detection. */
export function stagingStack(flags: ParsedFlags): { stack: string; reason: string } {
    if (process.env.PA_STAGING_STACK) return { stack: process.env.PA_STAGING_STACK, reason: "PA_STAGING_STACK" };
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
    return flags.has("production") ? productionStack() : stagingStack(flags).stack;
}

export const STACK_FLAGS = [
    { name: "staging", help: "this host's staging stack (default; see --env)" },
    { name: "production", help: "the production stack" },
    { name: "stack", value: "name", help: "any other stack of this project" },
    { name: "env", value: "laptop|server", help: "override laptop/server detection for staging" },
];
