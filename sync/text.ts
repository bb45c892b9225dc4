// The sanitizer and scanner of free text: table rows, graph values and files, run in the sidecars on
// production's host (bundled with the detectors of sync/pii/). JSON is decoded string by string
// first, so escaped characters are seen as what they are and secrets are found by their key; then
// each detector replaces what it finds, most specific first: tokens and keys, data: URLs and long
// base64, emails (keyed pseudonyms, the same as the SQL side's, so joins across systems hold), card
// numbers and IBANs, phone numbers, known person names. The scan uses the same detectors: a value
// leaks when any of them still finds something that is not one of the sanitized forms.
import { emailPseudonym, emailSpans, mayHoldEmail } from "./pii/emails";
import { JsonString, decodeUnicodeEscapes, looksLikeJson, percentDecodedParts, rewriteJson, rewritePercentEncoded, visitJson } from "./pii/json";
import { KnownNameHashes, NameMatcher } from "./pii/names";
import { fold } from "./pii/fold";
import { Span, base64Spans, cardSpans, dataUrlSpans, ibanSpans, shortBase64Runs } from "./pii/payloads";
import { PhoneFinder } from "./pii/phones";
import { DEFAULT_PHONE_REGIONS } from "../config/phoneRegions";
import { SANITIZED_SECRET, isSecretKey, tokenSpans } from "./pii/secrets";
import { shapeOf } from "./pii/shape";
import { SANITIZED_FIRST_NAME, SANITIZED_LAST_NAME, SANITIZED_NAME, SANITIZED_PHONE } from "./patterns";

export interface TextSettings {
    /** The key of the email pseudonyms and of the names' hashes. */
    key: string;
    /** Regions whose national phone number formats are recognised (ISO 3166 codes). */
    phoneRegions: string[];
    /** Hex HMAC-SHA256(key, folded name) of the known names (graph and files). */
    nameHashes: string[];
    /** Their lengths in UTF-16 code units. */
    nameLengths: number[];
    /** Known names in clear (the row sanitizer reads them inside production's Postgres). */
    names?: string[];
}

export type Finding = "secret" | "payload" | "email" | "card" | "iban" | "phone" | "name" | "encoded";

export interface TextSanitizer {
    /** The keyed pseudonym of an address. */
    email(value: string): string;
    /** Free text or JSON with every finding replaced. */
    text(value: string): string;
    /** Whether a value still holds anything personal or secret (other than the sanitized forms). */
    leaks(value: string): boolean;
    /** What the scan finds in a value, in the order of the detectors; empty when nothing. */
    findings(value: string): Finding[];
    /** Adds a person's name found in the graph itself to the known names. */
    addName(name: string): void;
    /** The sanitized form of a whole phone number or name. */
    replacement(rule: "phone" | "name" | "firstName" | "lastName"): string;
    /** How many of each finding were replaced so far. */
    readonly replaced: Record<Finding, number>;
}

/** A necessary condition of a secret key name (sync/pii/secrets.ts) somewhere in a JSON text. */
const SECRET_KEY_HINT = /secret|passw|passphrase|pwd|token|key|credential|cookie|auth|bearer|otp|recovery/i;

/** Every token shape, data: URL and base64 run has a run of at least this many token characters. */
const MIN_TOKEN_RUN = 12;

/** The placeholders the opaque payloads become. */
export const PLACEHOLDERS = {
    dataUrl: "data:,removed",
    base64: "[base64 removed]",
    card: "[card removed]",
    iban: "[iban removed]",
} as const;

/** The settings of textSanitizer in a sidecar on production's host. */
export function textSettings(
    key: string,
    names: { hashes: string[]; lengths: number[] } = { hashes: [], lengths: [] },
    phoneRegions: readonly string[] = DEFAULT_PHONE_REGIONS,
): TextSettings {
    return { key, phoneRegions: [...phoneRegions], nameHashes: names.hashes, nameLengths: names.lengths };
}

/** The folded sanitized names, which are nobody's. */
export const NOT_NAMES: ReadonlySet<string> = new Set([SANITIZED_NAME, SANITIZED_FIRST_NAME, SANITIZED_LAST_NAME].map(fold));

export function textSanitizer(settings: TextSettings): TextSanitizer {
    const hashed: KnownNameHashes | undefined = settings.nameHashes.length > 0 || !settings.names ? { key: settings.key, hashes: settings.nameHashes, lengths: settings.nameLengths } : undefined;
    const names = new NameMatcher(NOT_NAMES, settings.names ?? [], hashed);
    const phones = new PhoneFinder(settings.phoneRegions);
    // The scan knows the default regions too: a number of a region left out of pa:sync.phoneRegions
    // stops the sync instead of passing unseen.
    const scanRegions = [...new Set([...settings.phoneRegions, ...DEFAULT_PHONE_REGIONS])];
    const scanPhones = scanRegions.length === settings.phoneRegions.length ? phones : new PhoneFinder(scanRegions);
    const replaced: Record<Finding, number> = { secret: 0, payload: 0, email: 0, card: 0, iban: 0, phone: 0, name: 0, encoded: 0 };
    const email = (value: string) => emailPseudonym(settings.key, value);

    /** Replaces the spans (sorted, not overlapping) by what `by` makes of each. */
    const replace = (text: string, spans: Span[], by: (found: string) => string, finding: Finding): string => {
        if (spans.length === 0) return text;
        replaced[finding] += spans.length;
        let out = "";
        let at = 0;
        for (const span of spans) {
            if (span.start < at) continue;
            out += text.slice(at, span.start) + by(text.slice(span.start, span.end));
            at = span.end;
        }
        return out + text.slice(at);
    };
    const phoneSpans = (text: string, strongOnly: boolean, finder = phones): Span[] =>
        finder.spans(text).filter((s) => (!strongOnly || s.strength === "strong") && text.slice(s.start, s.end) !== SANITIZED_PHONE);
    const nameSpans = (text: string): Span[] => names.spans(text).map(([start, end]) => ({ start, end }));

    function sanitizePlain(value: string): string {
        const decoded = value.includes("\\u") ? decodeUnicodeEscapes(value) : value;
        // Percent-encoded components first: each is sanitized decoded, and encoded again.
        let text = rewritePercentEncoded(decoded, sanitizePlain);
        const shape = shapeOf(text);
        if (shape.tokenRun >= MIN_TOKEN_RUN) {
            text = replace(text, tokenSpans(text), () => SANITIZED_SECRET, "secret");
            text = replace(text, dataUrlSpans(text), () => PLACEHOLDERS.dataUrl, "payload");
            text = replace(text, base64Spans(text), () => PLACEHOLDERS.base64, "payload");
            // Shorter runs stay (ids, hashes, nonces) unless what they encode is personal.
            text = replace(text, shortBase64Runs(text).filter((run) => sanitizePlain(run.decoded) !== run.decoded), () => PLACEHOLDERS.base64, "encoded");
        }
        text = replace(text, emailSpans(text).map(([start, end]) => ({ start, end })), email, "email");
        if (shape.digitsInRun >= 13) text = replace(text, cardSpans(text), () => PLACEHOLDERS.card, "card");
        if (shape.tokenRun >= 4) text = replace(text, ibanSpans(text), () => PLACEHOLDERS.iban, "iban");
        // A replaced number can leave digits that make a number with what was before it: again, until none.
        for (let pass = 0; pass < 3 && (shape.digitsInRun >= 7 || !shape.ascii); pass++) {
            const spans = phoneSpans(text, pass > 0);
            if (spans.length === 0) break;
            text = replace(text, spans, () => SANITIZED_PHONE, "phone");
        }
        text = replace(text, nameSpans(text), () => SANITIZED_NAME, "name");
        // Escapes were decoded only to look behind them: nothing found, nothing changes.
        return text === decoded ? value : text;
    }

    function plainFindings(value: string, found: Set<Finding>, decodeBase64 = true): Set<Finding> {
        const text = value.includes("\\u") ? decodeUnicodeEscapes(value) : value;
        const shape = shapeOf(text);
        const tokens = shape.tokenRun >= MIN_TOKEN_RUN;
        if (tokens && tokenSpans(text).length > 0) found.add("secret");
        if (tokens && (dataUrlSpans(text).length > 0 || base64Spans(text).length > 0)) found.add("payload");
        if (emailSpans(text).length > 0) found.add("email");
        if (shape.digitsInRun >= 13 && cardSpans(text).some((s) => !s.ambiguous)) found.add("card");
        if (shape.tokenRun >= 4 && ibanSpans(text).length > 0) found.add("iban");
        if ((shape.digitsInRun >= 7 || !shape.ascii) && phoneSpans(text, true, scanPhones).length > 0) found.add("phone");
        if (names.size > 0 && nameSpans(text).length > 0) found.add("name");
        for (const part of percentDecodedParts(text)) plainFindings(part, found, decodeBase64);
        if (decodeBase64 && tokens && shortBase64Runs(text).some((run) => plainFindings(run.decoded, new Set(), false).size > 0)) found.add("encoded");
        return found;
    }

    /**
     * Whether a JSON text can hold nothing at all, checked on its raw text: without escapes every
     * string is a substring of it, so a detector that finds nothing in the whole finds nothing in any
     * string. Most JSON values are like that, and skip the walk string by string.
     */
    function quietJson(raw: string): boolean {
        if (raw.includes("\\") || raw.includes("%") || mayHoldEmail(raw) || SECRET_KEY_HINT.test(raw)) return false;
        const shape = shapeOf(raw);
        if (!shape.ascii || shape.digitsInRun >= 7 || shape.tokenRun >= 16 || raw.includes("data:") || tokenSpans(raw).length > 0) return false;
        return names.size === 0 || nameSpans(raw).length === 0;
    }

    /** A string under a secret's key, or the value of a name/value pair whose name is a secret's. */
    const secretPlace = (where: JsonString) => (where.key !== undefined && isSecretKey(where.key)) || (where.pairName !== undefined && isSecretKey(where.pairName));

    function findings(value: string): Finding[] {
        const found = new Set<Finding>();
        if (looksLikeJson(value) && quietJson(value)) return [];
        const json =
            looksLikeJson(value) &&
            visitJson(value, (s, where) => {
                if (where.isKey) {
                    if (emailSpans(s).length > 0) found.add("email");
                    if (tokenSpans(s).length > 0) found.add("secret");
                } else if (secretPlace(where) && s !== "") {
                    found.add("secret");
                } else if (!where.json) {
                    plainFindings(s, found);
                }
            });
        if (!json) plainFindings(value, found);
        return [...found];
    }

    return {
        email,
        text(value: string): string {
            if (looksLikeJson(value)) {
                if (quietJson(value)) return value;
                const rewritten = rewriteJson(value, (s, where) => {
                    if (where.isKey) return replace(replace(s, tokenSpans(s), () => SANITIZED_SECRET, "secret"), emailSpans(s).map(([start, end]) => ({ start, end })), email, "email");
                    if (secretPlace(where)) return s === "" ? s : (replaced.secret++, "");
                    return where.json ? s : sanitizePlain(s);
                });
                if (rewritten !== undefined) return rewritten;
            }
            return sanitizePlain(value);
        },
        leaks: (value: string) => findings(value).length > 0,
        findings,
        addName: (name: string) => names.add(name),
        replacement(rule) {
            return { phone: SANITIZED_PHONE, name: SANITIZED_NAME, firstName: SANITIZED_FIRST_NAME, lastName: SANITIZED_LAST_NAME }[rule];
        },
        replaced,
    };
}
