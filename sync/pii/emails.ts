// Email addresses in every form they are stored in: plain, after `mailto:`, with a Unicode local part
// or an internationalised (or punycode) domain, percent-encoded (`%40`, `%2540`) and as HTML entities.
// JSON `\u0040` and other escapes are decoded before this runs (sync/pii/json.ts). Written as one
// regular expression because the forms differ only in how the `@` and the characters are written;
// no library finds addresses inside free text in all of these forms.
import { createHmac } from "crypto";
import type { Span } from "./payloads";

const LOCAL = String.raw`[\p{L}\p{N}\p{M}._+\-]|%[0-9A-Fa-f]{2}`;
const AT = String.raw`@|%40|%2540|&#0*64;|&#[xX]0*40;|＠`;
const LABEL = String.raw`[\p{L}\p{N}\p{M}](?:[\p{L}\p{N}\p{M}\-]{0,61}[\p{L}\p{N}\p{M}])?`;
const TLD = String.raw`(?:\p{L}[\p{L}\p{M}]{1,62}|xn--[a-z0-9\-]{2,59})`;

/** An address; not after a backslash (a literal `\n` before it stays), nor inside a longer domain after it. */
export const EMAIL = new RegExp(String.raw`(?<!\\)(?:${LOCAL})+(?:${AT})(?:${LABEL}\.)+${TLD}(?![\p{L}\p{N}\p{M}\-]|\.[\p{L}\p{N}])`, "gu");

/** What every form of `@` contains. */
const AT_FORMS = ["@", "%40", "%2540", "&#", "＠"];

/** A cheap necessary condition: some form of `@`. */
export function mayHoldEmail(text: string): boolean {
    return firstAt(text, 0) >= 0;
}

/** Where the first form of `@` at or after `from` starts, or -1. */
function firstAt(text: string, from: number): number {
    let first = -1;
    for (const form of AT_FORMS) {
        const at = text.indexOf(form, from);
        if (at >= 0 && (first < 0 || at < first)) first = at;
    }
    return first;
}

/** Characters an address never holds (its local part's escapes included): the search for one starts after the last of them before an `@`. */
const NOT_IN_ADDRESS = /[\s"'<>()[\]{},;:\\/|]/;

/** The pseudonyms the sanitizer writes (and the SQL side's pa_email()). */
export const PSEUDONYM = /^user-[0-9a-f]{16}@example\.com$/;

/** The address itself: percent-encoding and entities decoded, case folded, NFKC. */
export function canonicalEmail(found: string): string {
    let address = found.replace(/&#[xX]0*40;|&#0*64;|＠/g, "@").replace(/%2540/gi, "@");
    if (address.includes("%")) {
        try {
            address = decodeURIComponent(address);
        } catch {
            // A stray % that is not an escape: keep the text as it is.
        }
    }
    return address.normalize("NFKC").trim().toLowerCase();
}

const pseudonyms = new Map<string, string>();

/** The keyed pseudonym of an address (the same HMAC as the SQL side for plain ASCII addresses; cached: addresses repeat). */
export function emailPseudonym(key: string, found: string): string {
    const cacheKey = `${key}\0${found}`;
    let pseudonym = pseudonyms.get(cacheKey);
    if (pseudonym === undefined) {
        pseudonym = `user-${createHmac("sha256", key).update(canonicalEmail(found), "utf8").digest("hex").slice(0, 16)}@example.com`;
        if (pseudonyms.size > 100_000) pseudonyms.clear();
        pseudonyms.set(cacheKey, pseudonym);
    }
    return pseudonym;
}

/** Every address in `text` that is not already a pseudonym. */
export function emailSpans(text: string): Span[] {
    const spans: Span[] = [];
    // The expression runs from the start of the word holding each `@`, not over the whole text: its
    // local part would otherwise be tried at every letter of the prose before the address.
    for (let at = firstAt(text, 0); at >= 0; ) {
        let start = at;
        while (start > 0 && !NOT_IN_ADDRESS.test(text[start - 1])) start--;
        EMAIL.lastIndex = start;
        const m = EMAIL.exec(text);
        if (!m) break;
        const pseudonym = m[0].startsWith("user-") && PSEUDONYM.test(canonicalEmail(m[0]));
        if (!pseudonym) spans.push({ start: m.index, end: m.index + m[0].length });
        at = firstAt(text, m.index + m[0].length);
    }
    return spans;
}
