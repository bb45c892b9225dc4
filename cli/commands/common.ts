// Choices several commands share: which stack a flag selects, and the staging stack of this host.
import { FlagSpec, ParsedFlags } from "../../platform/args";
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

/** --staging (the default) or --production; --stack NAME for any other stack (the flags exclude each other). */
export function chosenStack(flags: ParsedFlags): string {
    const stack = flags.get("stack");
    if (typeof stack === "string") return stack;
    return flags.has("production") ? productionStack() : stagingStack(flags).stack;
}

/** The laptop/server choice of --env. */
export const ENV_CHOICES = ["laptop", "server"] as const;

export const STACK_FLAGS: FlagSpec[] = [
    { name: "staging", help: "this host's staging stack (default; see --env)", conflicts: ["production", "stack"] },
    { name: "production", help: "the production stack", conflicts: ["staging", "stack"] },
    { name: "stack", value: "name", help: "any other stack of this project", conflicts: ["staging", "production"] },
    { name: "env", value: "laptop|server", choices: ENV_CHOICES, help: "override laptop/server detection for staging" },
];
