// The sanitizer and scanner of graph values. It runs in the copier sidecar on production's host, so
// graphText() is self-contained (no imports, no closures) and receives everything in its settings.
// It means exactly what the PostgreSQL side means: the same patterns, the same keyed email
// pseudonyms (so joins across systems stay consistent), whole-word case-sensitive names.
// Person names arrive as keyed hashes (they never leave production's Postgres in clear) and are
// found by hashing each candidate span of the text with the length of a known name.

export interface GraphTextSettings {
    key: string;
    emailPattern: string;
    phonePattern: string;
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
}

export interface GraphText {
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

export function graphText(settings: GraphTextSettings): GraphText {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const crypto = require("crypto") as typeof import("crypto");
    const hmac = (value: string) => crypto.createHmac("sha256", settings.key).update(value, "utf8").digest("hex");
    const emails = new RegExp(settings.emailPattern, "g");
    const phones = new RegExp(settings.phonePattern, "g");
    const pseudonyms = new RegExp(settings.sanitizedEmailPattern, "g");
    const hashes = new Set(settings.nameHashes);
    const lengths = new Set(settings.nameLengths);
    const isLetter = (ch: string | undefined) => ch !== undefined && /^[A-Za-z]$/.test(ch);
    const isSpace = (ch: string | undefined) => ch === undefined || /^\s$/.test(ch);
    const sanitizedNames = [settings.sanitizedName, settings.sanitizedFirstName, settings.sanitizedLastName];

    /** [start, end) spans (in code points) of known names: leftmost, longest, not inside a word. */
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
            const withoutContacts = value.replace(emails, (found) => email(found)).replace(phones, settings.sanitizedPhone);
            if (hashes.size === 0) return withoutContacts;
            const chars = Array.from(withoutContacts);
            const spans = nameSpans(chars);
            for (const [start, end] of spans.reverse()) chars.splice(start, end - start, settings.sanitizedName);
            return chars.join("");
        },
        leaks(value: string): boolean {
            emails.lastIndex = 0;
            phones.lastIndex = 0;
            if (emails.test(value.replace(pseudonyms, ""))) return true;
            if (phones.test(value)) return true;
            return hashes.size > 0 && nameSpans(Array.from(value)).length > 0;
        },
        addName(name: string): void {
            const clean = name.trim();
            const length = Array.from(clean).length;
            if (length < settings.minNameLength || sanitizedNames.includes(clean)) return;
            hashes.add(hmac(clean));
            lengths.add(length);
        },
        replacement(rule) {
            return { phone: settings.sanitizedPhone, name: settings.sanitizedName, firstName: settings.sanitizedFirstName, lastName: settings.sanitizedLastName }[rule];
        },
    };
}
