// Secret values are Pulumi outputs, but the decisions in model/ are plain functions. A spec names a
// secret with a marker; the component substitutes the generated value and marks the result secret.

/** Every generated secret of an environment, each made by @pulumi/random. */
export const GENERATED_SECRETS = [
    "postgresSuperuserPassword",
    "lettaDbPassword",
    "openWebuiDbPassword",
    "n8nDbPassword",
    "neo4jPassword",
    "lettaServerPassword",
    "lettaEncryptionKey",
    "webuiSecretKey",
    "n8nEncryptionKey",
    "n8nJwtSecret",
] as const;
export type GeneratedSecret = (typeof GENERATED_SECRETS)[number];

/** Optional secrets from stack config (LLM provider keys). */
export type ConfigSecret = "openaiApiKey" | "anthropicApiKey";
export type SecretName = GeneratedSecret | ConfigSecret;

const MARKER = /\{\{secret:([A-Za-z0-9]+)\}\}/g;

/** A placeholder for a secret inside an env value, e.g. a password inside a connection URI. */
export function secretRef(name: SecretName): string {
    return `{{secret:${name}}}`;
}

/** The secrets an env value refers to. */
export function secretsIn(value: string): SecretName[] {
    return [...value.matchAll(MARKER)].map((m) => m[1] as SecretName);
}

/** Replaces every marker with its value; an unknown name is a programming error. */
export function fillSecrets(value: string, values: Partial<Record<SecretName, string>>): string {
    return value.replace(MARKER, (_, name: SecretName) => {
        const secret = values[name];
        if (secret === undefined) throw new Error(`secret ${name} is referenced but has no value`);
        return secret;
    });
}
