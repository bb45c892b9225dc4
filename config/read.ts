// Reads the stack's `pa:` config once and validates it with the one schema in schema.ts.
import { z } from "zod";
import { BACKUP_DEFAULTS, StackConfig, stackConfigSchema } from "./schema";

export const CONFIG_NAMESPACE = "pa";

/** Optional secret config: provider keys handed to the apps, never validated by value or printed. */
export const SECRET_KEYS = ["openaiApiKey", "anthropicApiKey"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

const STRING_KEYS = new Set(["environment", "hostProfile", "dockerHost", "sshKnownHosts", "bindAddress"]);
const KNOWN_KEYS = new Set(Object.keys(stackConfigSchema.shape));

export class ConfigError extends Error {
    constructor(readonly problems: string[], stack: string) {
        super(
            `Invalid config for stack '${stack}':\n` +
                problems.map((p) => `  - ${p}`).join("\n") +
                `\nFix it in Pulumi.${stack}.yaml or with \`pulumi config set --path pa:<key> <value> -s ${stack}\`` +
                ` (see README.md, "Configuration").`,
        );
        this.name = "ConfigError";
    }
}

/**
 * Validates a stack's raw config, as `pulumi.runtime.allConfig()` returns it (keys `pa:name`,
 * values as strings), and returns typed values or throws a ConfigError listing every problem.
 */
export function parseStackConfig(stack: string, rawConfig: Record<string, string>): StackConfig {
    const problems: string[] = [];
    const input: Record<string, unknown> = {};
    for (const [fullKey, raw] of Object.entries(rawConfig)) {
        const [namespace, key] = splitKey(fullKey);
        if (namespace !== CONFIG_NAMESPACE || (SECRET_KEYS as readonly string[]).includes(key)) continue;
        // Unknown keys go to the schema as they are, so it reports them as unknown.
        if (STRING_KEYS.has(key) || !KNOWN_KEYS.has(key)) {
            input[key] = raw;
            continue;
        }
        try {
            input[key] = JSON.parse(raw);
        } catch {
            problems.push(`pa:${key} = ${JSON.stringify(raw)}: not a valid ${describeExpected(key)}`);
        }
    }
    const parsed = stackConfigSchema.safeParse(input);
    if (!parsed.success) problems.push(...parsed.error.issues.map((issue) => describeIssue(issue, input)));
    if (problems.length > 0 || !parsed.success) throw new ConfigError(problems, stack);
    // Production is backed up whether or not pa:backup is set: its data must never be lost.
    const backup = parsed.data.backup ?? (parsed.data.environment === "production" ? BACKUP_DEFAULTS : undefined);
    return { ...parsed.data, backup, stack };
}

function splitKey(fullKey: string): [string, string] {
    const colon = fullKey.indexOf(":");
    return colon < 0 ? ["", fullKey] : [fullKey.slice(0, colon), fullKey.slice(colon + 1)];
}

function describeExpected(key: string): string {
    return key === "debug" ? "boolean (true or false)" : key === "postgresMajorVersion" ? "number" : "YAML/JSON object";
}

function describeIssue(issue: z.core.$ZodIssue, input: Record<string, unknown>): string {
    const key = issue.path.length > 0 ? `pa:${issue.path.map(String).join(".")}` : "pa";
    if (issue.code === "unrecognized_keys") {
        const where = issue.path.length > 0 ? `${key}.` : "pa:";
        return issue.keys
            .map((k) => `${where}${k}: unknown key; allowed keys are listed in README.md, "Configuration"`)
            .join("\n  - ");
    }
    const value = valueAt(input, issue.path);
    const shown = value === undefined ? "(missing)" : JSON.stringify(value);
    return `${key} = ${shown}: ${issue.message}`;
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
    let current: unknown = input;
    for (const part of path) {
        if (current === null || typeof current !== "object") return undefined;
        current = (current as Record<PropertyKey, unknown>)[part];
    }
    return current;
}
