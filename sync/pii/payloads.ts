// Values that identify a person or hide anything at all: payment card numbers (Luhn checked), IBANs
// (ISO 13616 mod-97 checked), `data:` URLs and long base64 runs (opaque: they may encode a photo,
// a document or text with anything in it). Checksums are a few lines each, so they are written here;
// the validators people reach for (validator.js) check one whole value, not spans of free text.
import { eachMatch, matchSpans } from "./regex";

export interface Span {
    start: number;
    end: number;
    /** Ambiguous spans are replaced, but never stop a sync (a bare run of digits may be an id). */
    ambiguous?: boolean;
}

/** 13-19 digits starting as the card networks' numbers do, grouped or not, not glued to other digits or letters. */
const CARD = /(?<![\p{L}\p{N}_.-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\p{L}\p{N}_]|[.-]\d)/gu;
/** Two letters, two check digits, then 11-30 letters and digits, grouped in fours or not. */
const IBAN = /(?<![\p{L}\p{N}_])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![\p{L}\p{N}_])/gu;
/** A data: URL with a base64 payload. */
const DATA_URL = /data:[\w.+-]+\/[\w.+-]+(?:;[\w.+-]+=[\w.+-]+)*;base64,[A-Za-z0-9+/=_-]+/g;
/** A long run of base64 (standard or URL-safe alphabet). */
const BASE64_RUN = /[A-Za-z0-9+/_-]{200,}={0,2}/g;
/** Shorter base64 runs that the scan decodes, looking for text inside. */
const SHORT_BASE64_RUN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/]{16,199}={0,2}(?![A-Za-z0-9+/_-])/g;

export const BASE64_MIN_RUN = 200;
export const SHORT_BASE64_MIN_RUN = 16;

function luhn(digits: string): boolean {
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
        let d = digits.charCodeAt(digits.length - 1 - i) - 48;
        if (i % 2 === 1) {
            d *= 2;
            if (d > 9) d -= 9;
        }
        sum += d;
    }
    return sum % 10 === 0;
}

/** Countries that issue IBANs (ISO 13616 registry): a random id rarely starts with one and passes mod 97 too. */
const IBAN_COUNTRIES = new Set(
    ("AD AE AL AT AZ BA BE BG BH BI BR BY CH CR CY CZ DE DJ DK DO EE EG ES FI FK FO FR GB GE GI GL GR GT HN HR HU IE IL IQ IS IT JO KW KZ LB LC " +
        "LI LT LU LV LY MC MD ME MK MN MR MT MU NI NL NO OM PK PL PS PT QA RO RS RU SA SC SD SE SI SK SM SO ST SV TL TN TR UA VA VG XK YE").split(" "),
);

function ibanValid(iban: string): boolean {
    if (!IBAN_COUNTRIES.has(iban.slice(0, 2))) return false;
    const rearranged = iban.slice(4) + iban.slice(0, 4);
    let remainder = 0;
    for (const ch of rearranged) {
        const value = ch >= "A" && ch <= "Z" ? String(ch.charCodeAt(0) - 55) : ch;
        for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
    }
    return remainder === 1;
}

export function cardSpans(text: string): Span[] {
    const spans: Span[] = [];
    eachMatch(CARD, text, (m) => {
        const digits = m[0].replace(/\D/g, "");
        // A run of one repeated digit passes Luhn now and then (000...0) and is nobody's card.
        if (luhn(digits) && !/^(\d)\1+$/.test(digits)) spans.push({ start: m.index, end: m.index + m[0].length, ambiguous: !/[ -]/.test(m[0]) });
    });
    return spans;
}

export function ibanSpans(text: string): Span[] {
    if (!/[A-Z]{2}\d\d/.test(text)) return [];
    const spans: Span[] = [];
    eachMatch(IBAN, text, (m) => {
        const compact = m[0].replace(/ /g, "");
        if (compact.length >= 15 && compact.length <= 34 && ibanValid(compact)) spans.push({ start: m.index, end: m.index + m[0].length });
    });
    return spans;
}

export function dataUrlSpans(text: string): Span[] {
    if (!text.includes("data:")) return [];
    return matchSpans(DATA_URL, text);
}

export function base64Spans(text: string): Span[] {
    if (text.length < BASE64_MIN_RUN) return [];
    const spans: Span[] = [];
    eachMatch(BASE64_RUN, text, (m) => {
        // Mixed case and digits: a base64 payload, not a long word, a path or a hex digest.
        if (/[a-z]/.test(m[0]) && /[A-Z]/.test(m[0]) && /\d/.test(m[0])) spans.push({ start: m.index, end: m.index + m[0].length });
    });
    return spans;
}

/** Shorter base64 runs that decode to text, with that text: the sanitizer and the scan look inside. */
export function shortBase64Runs(text: string): Array<Span & { decoded: string }> {
    if (text.length < SHORT_BASE64_MIN_RUN) return [];
    const out: Array<Span & { decoded: string }> = [];
    eachMatch(SHORT_BASE64_RUN, text, (m) => {
        if (!/[a-z]/.test(m[0]) || !/[A-Z0-9]/.test(m[0])) return;
        const decoded = Buffer.from(m[0], "base64").toString("utf8");
        // Only text: random bytes decode to replacement characters and controls.
        // eslint-disable-next-line no-control-regex
        if (decoded.length >= 6 && !/[\ufffd\x00-\x08\x0e-\x1f]/.test(decoded)) out.push({ start: m.index, end: m.index + m[0].length, decoded });
    });
    return out;
}
