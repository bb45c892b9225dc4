// The sanitizer and scanner of free text: table rows, graph values and files. It runs in sidecars on
// production's host, so textSanitizer() is self-contained (no imports, no closures) and receives
// everything in its settings. Everywhere the same patterns (sync/patterns.ts), the same keyed email
// pseudonyms as the SQL side (so joins across systems stay consistent), whole-word case-sensitive names.
// Person names arrive in clear to the row sanitizer (it reads them inside production's Postgres) and
// as keyed hashes to the graph and file sidecars (the names never leave Postgres in clear), found by
// hashing each candidate span of the text with the length of a known name. textSettings() builds the
// settings from sync/patterns.ts on this side.
import { EMAIL_PATTERN, MIN_NAME_LENGTH, PHONE_PATTERN, PHONE_PREFILTER, SANITIZED_EMAIL_PATTERN, SANITIZED_FIRST_NAME, SANITIZED_LAST_NAME, SANITIZED_NAME, SANITIZED_PHONE } from "./patterns";

export interface TextSettings {
    key: string;
    emailPattern: string;
    phonePattern: string;
    /** A cheap necessary condition of phonePattern, tested first. */
    phonePrefilter: string;
    sanitizedEmailPattern: string;
    sanitizedPhone: string;
    sanitizedName: string;
    sanitizedFirstName: string;
    sanitizedLastName: string;
    minNameLength: number;
    /** Hex HMAC-SHA256(key, name) of the known names. */
    nameHashes: string[];
    /** Their lengths in code points. */
    nameLengths: number[];
    /** Known names in clear (the row sanitizer), searched with one whole-word pattern instead of hashes. */
    names?: string[];
}

export interface TextSanitizer {
    /** The keyed pseudonym of an address. */
    email(value: string): string;
    /** Free text with every email, phone number and known name replaced. */
    text(value: string): string;
    /** Whether a value still holds an email (other than a pseudonym), a phone number or a known name. */
    leaks(value: string): boolean;
    /** Adds a person's name found in the graph itself to the known names. */
    addName(name: string): void;
    /** The sanitized form of a whole phone number or name. */
    replacement(rule: "phone" | "name" | "firstName" | "lastName"): string;
}

/**
 * The settings of textSanitizer in a sidecar on production's host: the patterns of sync/patterns.ts, and
 * the known names' hashes (graph, files; the row sanitizer reads the names in clear itself).
 */
export function textSettings(key: string, names: { hashes: string[]; lengths: number[] } = { hashes: [], lengths: [] }): TextSettings {
    return {
        key,
        emailPattern: EMAIL_PATTERN,
        phonePattern: PHONE_PATTERN,
        phonePrefilter: PHONE_PREFILTER,
        sanitizedEmailPattern: SANITIZED_EMAIL_PATTERN,
        sanitizedPhone: SANITIZED_PHONE,
        sanitizedName: SANITIZED_NAME,
        sanitizedFirstName: SANITIZED_FIRST_NAME,
        sanitizedLastName: SANITIZED_LAST_NAME,
        minNameLength: MIN_NAME_LENGTH,
        nameHashes: names.hashes,
        nameLengths: names.lengths,
    };
}

export function textSanitizer(settings: TextSettings): TextSanitizer {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const crypto = require("crypto") as typeof import("crypto");
    const hmac = (value: string) => crypto.createHmac("sha256", settings.key).update(value, "utf8").digest("hex");
    const emails = new RegExp(settings.emailPattern, "g");
    const anEmail = new RegExp(settings.emailPattern);
    const phones = new RegExp(settings.phonePattern, "g");
    const aPhone = new RegExp(settings.phonePattern);
    const maybePhone = new RegExp(settings.phonePrefilter);
    const pseudonyms = new RegExp(settings.sanitizedEmailPattern, "g");
    const hashes = new Set(settings.nameHashes);
    const lengths = new Set(settings.nameLengths);
    const isLetter = (ch: string | undefined) => ch !== undefined && /^[A-Za-z]$/.test(ch);
    const isSpace = (ch: string | undefined) => ch === undefined || /^\s$/.test(ch);
    const sanitizedNames = [settings.sanitizedName, settings.sanitizedFirstName, settings.sanitizedLastName];
    /** Short names (initials) would match everywhere; the sanitized forms are not anyone's. */
    const searched = (name: string) => Array.from(name).length >= settings.minNameLength && !sanitizedNames.includes(name);
    const clearNames = new Set((settings.names ?? []).map((n) => n.trim()).filter(searched));

    /** Whole-word, longest first (so "Ann Lee" goes before "Ann"); undefined without names in clear. */
    let namesPattern: RegExp | undefined;
    const compileNames = () => {
        const sorted = [...clearNames].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
        const escaped = sorted.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
        namesPattern = sorted.length > 0 ? new RegExp(`(?<![A-Za-z])(?:${escaped.join("|")})(?![A-Za-z])`, "g") : undefined;
    };
    compileNames();

    /** [start, end) spans (in code points) of known names by hash: leftmost, longest, not inside a word. */
    function nameSpans(chars: string[]): Array<[number, number]> {
        const spans: Array<[number, number]> = [];
        const sorted = [...lengths].sort((a, b) => b - a);
        for (let start = 0; start < chars.length; start++) {
            if (isLetter(chars[start - 1]) || isSpace(chars[start])) continue;
            for (const length of sorted) {
                const end = start + length;
                if (end > chars.length || isLetter(chars[end]) || isSpace(chars[end - 1])) continue;
                if (hashes.has(hmac(chars.slice(start, end).join("")))) {
                    spans.push([start, end]);
                    start = end - 1;
                    break;
                }
            }
        }
        return spans;
    }

    const email = (value: string) => `user-${hmac(value.trim().toLowerCase()).slice(0, 16)}@example.com`;
    return {
        email,
        text(value: string): string {
            let out = value;
            if (out.includes("@")) out = out.replace(emails, (found) => email(found));
            if (maybePhone.test(out)) out = out.replace(phones, settings.sanitizedPhone);
            if (namesPattern) return out.replace(namesPattern, settings.sanitizedName);
            if (hashes.size === 0) return out;
            const chars = Array.from(out);
            const spans = nameSpans(chars);
            for (const [start, end] of spans.reverse()) chars.splice(start, end - start, settings.sanitizedName);
            return chars.join("");
        },
        leaks(value: string): boolean {
            if (value.includes("@") && anEmail.test(value.replace(pseudonyms, ""))) return true;
            if (maybePhone.test(value) && aPhone.test(value)) return true;
            if (namesPattern) {
                namesPattern.lastIndex = 0;
                return namesPattern.test(value);
            }
            return hashes.size > 0 && nameSpans(Array.from(value)).length > 0;
        },
        addName(name: string): void {
            const clean = name.trim();
            if (!searched(clean)) return;
            hashes.add(hmac(clean));
            lengths.add(Array.from(clean).length);
            if (settings.names) {
                clearNames.add(clean);
                compileNames();
            }
        },
        replacement(rule) {
            return { phone: settings.sanitizedPhone, name: settings.sanitizedName, firstName: settings.sanitizedFirstName, lastName: settings.sanitizedLastName }[rule];
        },
    };
}
