// Secrets: tokens and keys by their shape (the prefixes providers give them, so they can be found in
// free text; the same shapes secret scanners such as gitleaks use), and values of JSON keys whose name
// says secret. Key names are split into words (camelCase, snake_case, kebab-case) and compared whole,
// so `max_tokens`, `tokenizer` and n8n's `authentication` mode are not secrets, `apiKey` and
// `client_secret` are.
import type { Span } from "./payloads";
import { matchSpans } from "./regex";

const TOKEN_SHAPES = [
    String.raw`sk-(?:proj-|ant-(?:api\d\d-)?|live_|test_)?[A-Za-z0-9_\-]{20,}`,
    String.raw`(?:rk|pk)_(?:live|test)_[A-Za-z0-9]{20,}`,
    String.raw`gh[pousr]_[A-Za-z0-9]{30,}`,
    String.raw`github_pat_[A-Za-z0-9_]{30,}`,
    String.raw`glpat-[A-Za-z0-9_\-]{20,}`,
    String.raw`xox[abposr]-[A-Za-z0-9\-]{10,}`,
    String.raw`(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}`,
    String.raw`AIza[0-9A-Za-z_\-]{35}`,
    String.raw`hf_[A-Za-z0-9]{30,}`,
    String.raw`eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}`,
    String.raw`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----`,
    String.raw`(?<=[Bb]earer\s+)[A-Za-z0-9._~+/\-]{16,}=*`,
    String.raw`(?<=[Bb]asic\s+)[A-Za-z0-9+/]{12,}=*`,
];

export const TOKEN = new RegExp(String.raw`(?<![A-Za-z0-9_\-])(?:${TOKEN_SHAPES.join("|")})(?![A-Za-z0-9_\-])`, "g");

/** The placeholder a secret becomes inside free text. */
export const SANITIZED_SECRET = "[secret removed]";

/** Literal parts of the shapes above, one of which every token contains: a cheap necessary condition. */
const TOKEN_HINTS = ["sk-", "k_live_", "k_test_", "gh", "glpat-", "xox", "AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIza", "hf_", "eyJ", "-----BEGIN", "earer", "asic"];

export function tokenSpans(text: string): Span[] {
    if (!TOKEN_HINTS.some((hint) => text.includes(hint))) return [];
    return matchSpans(TOKEN, text);
}

/** Word sequences that make a key name a secret's, matched at the end of the key's words. */
const SECRET_ENDINGS: readonly string[][] = [
    ["secret"], ["password"], ["passwd"], ["passphrase"], ["pwd"], ["token"], ["apikey"], ["api", "key"], ["apikeys"], ["api", "keys"],
    ["private", "key"], ["privatekey"], ["secret", "key"], ["access", "key"], ["signing", "key"], ["encryption", "key"],
    ["client", "secret"], ["credentials"], ["credential"], ["cookie"], ["auth", "header"],
    ["authorization"], ["bearer"], ["otp"], ["mfa", "secret"], ["recovery", "codes"], ["webhook", "secret"],
];

/**
 * The same names as a PostgreSQL regular expression over a whole name (case-insensitive), for the
 * rules that empty n8n variables and Open WebUI config values named like secrets in SQL.
 */
export const SECRET_NAME_SQL = `(^|[^a-z0-9])(${SECRET_ENDINGS.map((words) => words.join("[ _.-]?")).join("|")})$`;

const SECRET_HINT = new RegExp([...new Set(SECRET_ENDINGS.map((words) => words[words.length - 1]))].join("|"), "i");

/** A necessary condition of a secret key name somewhere in a text (one of the endings' last words). */
export function mayNameSecret(text: string): boolean {
    return SECRET_HINT.test(text);
}

/** The words of a key: `clientSecret`, `client_secret`, `Client-Secret` and `CLIENT_SECRET` all give `client secret`. */
export function keyWords(key: string): string[] {
    return key
        .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
        .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter(Boolean);
}

const secretKeys = new Map<string, boolean>();

/** Whether a JSON key names a secret, so a string under it is blanked (answers cached: keys repeat). */
export function isSecretKey(key: string): boolean {
    let answer = secretKeys.get(key);
    if (answer === undefined) {
        answer = keyNamesSecret(key);
        if (secretKeys.size > 10_000) secretKeys.clear();
        secretKeys.set(key, answer);
    }
    return answer;
}

function keyNamesSecret(key: string): boolean {
    const words = keyWords(key);
    if (words.length === 0) return false;
    return SECRET_ENDINGS.some((ending) => ending.length <= words.length && ending.every((w, i) => words[words.length - ending.length + i] === w));
}
