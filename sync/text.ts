// The sanitizer and scanner of free text: table rows, graph values and files, run in the sidecars on
// production's host (bundled with the detectors of sync/pii/). JSON is decoded string by string
// first, so escaped characters are seen as what they are and secrets are found by their key; then
// each detector replaces what it finds, most specific first: tokens and keys, data: URLs and long
// base64, emails (keyed pseudonyms, the same as the SQL side's, so joins across systems hold), card
// numbers and IBANs, phone numbers, known person names. The scan uses the same detectors: a value
// leaks when any of them still finds something that is not one of the sanitized forms.
import { emailPseudonym, emailSpans } from "./pii/emails";
import { JsonString, decodeUnicodeEscapes, looksLikeJson, percentDecodedParts, rewriteJson, rewritePercentEncoded, visitJson } from "./pii/json";
import { KnownNameHashes, NameMatcher } from "./pii/names";
import { fold } from "./pii/fold";
import { BASE64_MIN_RUN, SHORT_BASE64_MIN_RUN, Span, base64Spans, cardSpans, dataUrlSpans, ibanSpans, shortBase64Runs } from "./pii/payloads";
import { PhoneFinder } from "./pii/phones";
import { mayMentionPeople, personSpans } from "./pii/people";
import { DEFAULT_PHONE_REGIONS } from "../config/phoneRegions";
import { SANITIZED_SECRET, isSecretKey, mayNameSecret, tokenSpans } from "./pii/secrets";
import { TextShape, shapeOf } from "./pii/shape";
import { SANITIZED_FIRST_NAME, SANITIZED_LAST_NAME, SANITIZED_NAME, SANITIZED_NAMES, SANITIZED_PHONE } from "./patterns";

export interface TextSettings {
    /** The volume on production's host holding the key of the email pseudonyms and of the names' hashes (the sidecar reads the key there). */
    keyVolume: string;
    /** Regions whose national phone number formats are recognised (ISO 3166 codes). */
    phoneRegions: string[];
    /** Hex HMAC-SHA256(key, folded name) of the known names (graph and files). */
    nameHashes: string[];
    /** Their lengths in UTF-16 code units. */
    nameLengths: number[];
    /** Known names in clear (the row sanitizer reads them inside production's Postgres). */
    names?: string[];
}

export type Finding = "secret" | "payload" | "email" | "card" | "iban" | "phone" | "name" | "person" | "encoded";

export interface TextSanitizer {
    /** The keyed pseudonym of an address. */
    email(value: string): string;
    /**
     * Free text or JSON with every finding replaced; with `people`, also the person names a tagger
     * finds in English prose (conversations), which are replaced but never stop a sync.
     */
    text(value: string, options?: { people?: boolean }): string;
    /** Whether a value still holds anything personal or secret (other than the sanitized forms). */
    leaks(value: string): boolean;
    /** Adds a person's name found in the graph itself to the known names. */
    addName(name: string): void;
    /** The sanitized form of a whole phone number or name. */
    replacement(rule: "phone" | "name" | "firstName" | "lastName"): string;
    /** How many of each finding were replaced so far. */
    readonly replaced: Record<Finding, number>;
}

/** Every token shape, data: URL and base64 run has a run of at least this many token characters. */
const MIN_TOKEN_RUN = 12;

interface Detector {
    finding: Finding;
    applies(shape: TextShape): boolean;
    spans(text: string, scan: boolean): Span[];
    by(found: string): string;
    /** Run again on its own output until it finds nothing (at most three passes). */
    repeat?: boolean;
}

/** The placeholders the opaque payloads become. */
export const PLACEHOLDERS = {
    dataUrl: "data:,removed",
    base64: "[base64 removed]",
    card: "[card removed]",
    iban: "[iban removed]",
} as const;

/** The settings of textSanitizer in a sidecar on production's host. */
export function textSettings(
    keyVolume: string,
    names: { hashes: string[]; lengths: number[] } = { hashes: [], lengths: [] },
    phoneRegions: readonly string[] = DEFAULT_PHONE_REGIONS,
): TextSettings {
    return { keyVolume, phoneRegions: [...phoneRegions], nameHashes: names.hashes, nameLengths: names.lengths };
}

/** The folded sanitized names, which are nobody's. */
export const NOT_NAMES: ReadonlySet<string> = new Set(SANITIZED_NAMES.map(fold));

/** The sanitizer, in a sidecar that read `key` from the key volume. */
export function textSanitizer(settings: TextSettings, key: string): TextSanitizer {
    const hashed: KnownNameHashes | undefined = settings.nameHashes.length > 0 || !settings.names ? { key, hashes: settings.nameHashes, lengths: settings.nameLengths } : undefined;
    const names = new NameMatcher(NOT_NAMES, settings.names ?? [], hashed);
    const phones = new PhoneFinder(settings.phoneRegions);
    // The scan knows the default regions too: a number of a region left out of pa:sync.phoneRegions
    // stops the sync instead of passing unseen.
    const scanRegions = [...new Set([...settings.phoneRegions, ...DEFAULT_PHONE_REGIONS])];
    const scanPhones = scanRegions.length === settings.phoneRegions.length ? phones : new PhoneFinder(scanRegions);
    const replaced: Record<Finding, number> = { secret: 0, payload: 0, email: 0, card: 0, iban: 0, phone: 0, name: 0, person: 0, encoded: 0 };
    const email = (value: string) => emailPseudonym(key, value);

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
    const notPlaceholder = (text: string) => (s: Span) => text.slice(s.start, s.end) !== SANITIZED_PHONE;

    /**
     * The detectors, most specific first. `spans(text, scan)` finds what the sanitizer replaces, or
     * with `scan` what stops a sync (ambiguous finds are replaced but never stop one); `applies` is a
     * necessary condition read from the text's shape, so a detector never runs where it cannot match.
     */
    const detectors: Detector[] = [
        { finding: "secret", applies: (shape) => shape.tokenRun >= MIN_TOKEN_RUN, spans: tokenSpans, by: () => SANITIZED_SECRET },
        { finding: "payload", applies: (shape) => shape.tokenRun >= MIN_TOKEN_RUN, spans: dataUrlSpans, by: () => PLACEHOLDERS.dataUrl },
        { finding: "payload", applies: (shape) => shape.tokenRun >= BASE64_MIN_RUN, spans: base64Spans, by: () => PLACEHOLDERS.base64 },
        {
            // Shorter runs stay (ids, hashes, nonces) unless what they encode is personal.
            finding: "encoded",
            applies: (shape) => shape.tokenRun >= SHORT_BASE64_MIN_RUN,
            spans: (text, scan) => shortBase64Runs(text).filter((run) => findingsIn(run.decoded, new Set(), { scan, decodeBase64: false }).size > 0),
            by: () => PLACEHOLDERS.base64,
        },
        { finding: "email", applies: () => true, spans: emailSpans, by: email },
        { finding: "card", applies: (shape) => shape.digitsInRun >= 13, spans: (text, scan) => cardSpans(text).filter((s) => !scan || !s.ambiguous), by: () => PLACEHOLDERS.card },
        { finding: "iban", applies: (shape) => shape.tokenRun >= 4, spans: ibanSpans, by: () => PLACEHOLDERS.iban },
        {
            finding: "phone",
            applies: (shape) => shape.digitsInRun >= 7 || !shape.ascii,
            spans: (text, scan) => (scan ? scanPhones : phones).spans(text).filter((s) => (!scan || s.strength === "strong") && notPlaceholder(text)(s)),
            by: () => SANITIZED_PHONE,
            // A replaced number can leave digits that make a number with what was before it.
            repeat: true,
        },
        { finding: "name", applies: () => names.size > 0, spans: (text) => names.spans(text).map(([start, end]) => ({ start, end })), by: () => SANITIZED_NAME },
    ];
    /** JSON keys are structure: only what can be rewritten without changing what a program reads. */
    const keyDetectors = detectors.filter((d) => d.finding === "secret" || d.finding === "email");

    function sanitizePlain(value: string, people = false): string {
        const decoded = value.includes("\\u") ? decodeUnicodeEscapes(value) : value;
        // Percent-encoded components first: each is sanitized decoded, and encoded again.
        let text = rewritePercentEncoded(decoded, (part) => sanitizePlain(part));
        const shape = shapeOf(text);
        for (const detector of detectors) {
            if (!detector.applies(shape)) continue;
            for (let pass = 0; pass < (detector.repeat ? 3 : 1); pass++) {
                const spans = detector.spans(text, false);
                if (spans.length === 0) break;
                text = replace(text, spans, detector.by, detector.finding);
            }
        }
        // Last, on what is left: names a tagger finds in prose (the sanitized forms are nobody's).
        if (people) text = replace(text, personSpans(text), () => SANITIZED_NAME, "person");
        // Escapes were decoded only to look behind them: nothing found, nothing changes.
        return text === decoded ? value : text;
    }

    /** What the detectors find in plain text (escapes and percent-encoding decoded first). */
    function findingsIn(value: string, found: Set<Finding>, options: { scan: boolean; decodeBase64: boolean }): Set<Finding> {
        const text = value.includes("\\u") ? decodeUnicodeEscapes(value) : value;
        const shape = shapeOf(text);
        for (const detector of detectors) {
            if (detector.finding === "encoded" && !options.decodeBase64) continue;
            if (!found.has(detector.finding) && detector.applies(shape) && detector.spans(text, options.scan).length > 0) found.add(detector.finding);
        }
        for (const part of percentDecodedParts(text)) findingsIn(part, found, options);
        return found;
    }

    /**
     * Whether a JSON text can hold nothing at all, checked on its raw text: without escapes every
     * string is a substring of it, so a detector that finds nothing in the whole finds nothing in any
     * string. Most JSON values are like that, and skip the walk string by string.
     */
    function quietJson(raw: string): boolean {
        if (raw.includes("\\") || raw.includes("%") || mayNameSecret(raw)) return false;
        return shapeOf(raw).ascii && findingsIn(raw, new Set(), { scan: false, decodeBase64: true }).size === 0;
    }

    /** A string under a secret's key, or the value of a name/value pair whose name is a secret's. */
    const secretPlace = (where: JsonString) => (where.key !== undefined && isSecretKey(where.key)) || (where.pairName !== undefined && isSecretKey(where.pairName));

    function findings(value: string): Set<Finding> {
        const found = new Set<Finding>();
        if (looksLikeJson(value) && quietJson(value)) return found;
        const json =
            looksLikeJson(value) &&
            visitJson(value, (s, where) => {
                if (where.isKey) {
                    for (const detector of keyDetectors) if (detector.spans(s, true).length > 0) found.add(detector.finding);
                } else if (secretPlace(where) && s !== "") {
                    found.add("secret");
                } else if (!where.json) {
                    findingsIn(s, found, { scan: true, decodeBase64: true });
                }
            });
        if (!json) findingsIn(value, found, { scan: true, decodeBase64: true });
        return found;
    }

    return {
        email,
        text(value: string, options: { people?: boolean } = {}): string {
            const people = options.people === true;
            if (looksLikeJson(value)) {
                if ((!people || !mayMentionPeople(value)) && quietJson(value)) return value;
                const rewritten = rewriteJson(value, (s, where) => {
                    if (where.isKey) return keyDetectors.reduce((key, d) => replace(key, d.spans(key, false), d.by, d.finding), s);
                    if (secretPlace(where)) return s === "" ? s : (replaced.secret++, "");
                    return where.json ? s : sanitizePlain(s, people);
                });
                if (rewritten !== undefined) return rewritten;
            }
            return sanitizePlain(value, people);
        },
        leaks: (value: string) => findings(value).size > 0,
        addName: (name: string) => names.add(name),
        replacement(rule) {
            return { phone: SANITIZED_PHONE, name: SANITIZED_NAME, firstName: SANITIZED_FIRST_NAME, lastName: SANITIZED_LAST_NAME }[rule];
        },
        replaced,
    };
}
