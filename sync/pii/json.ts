// JSON text, rewritten string by string: each string literal is decoded (so `\u00f6` and `\u0040` are
// the characters they stand for), handed to a visitor with the key it sits under, and written back
// only when the visitor changed it. Everything else stays byte for byte (numbers keep their digits,
// which parsing and re-serialising the whole document would round to doubles). Hand-written because
// JSON.parse gives no way back to the original text, and streaming parsers are slower than one
// regular expression over the literals.
import { eachMatch } from "./regex";

const LITERAL = /"(?:[^"\\]|\\.)*"/g;
/** What may stand between string literals in JSON: punctuation, numbers, true, false, null. */
const STRUCTURE = /^(?:[\s\d.eE+\-:,[\]{}]|true|false|null)*$/;
const MAX_DEPTH = 8;

export interface JsonString {
    /** The key the string is the value of (undefined in arrays and at the top). */
    key: string | undefined;
    /** Whether the string is itself a key. */
    isKey: boolean;
    /** Whether the string is a JSON document whose own strings were visited already. */
    json: boolean;
    /**
     * In an object written as a name/value pair (n8n's headers and query parameters: `{"name":
     * "x-api-key", "value": "..."}`), the name given earlier in the same object.
     */
    pairName: string | undefined;
}

/** Keys under which an object names what its `value` is. */
const PAIR_NAME_KEYS = new Set(["name", "key", "header", "parameterName"]);

/** Whether the text is shaped like a JSON object or array (checked fully by rewriteJson). */
export function looksLikeJson(text: string): boolean {
    let i = 0;
    while (i < text.length && isJsonSpace(text.charCodeAt(i))) i++;
    const first = text.charCodeAt(i);
    if (first !== 123 && first !== 91) return false;
    let j = text.length - 1;
    while (j > i && isJsonSpace(text.charCodeAt(j))) j--;
    return text.charCodeAt(j) === first + 2;
}

/**
 * The JSON text with every string literal passed through `visit` (nested JSON documents inside
 * strings included), or undefined when the text is not JSON after all.
 */
export function rewriteJson(text: string, visit: (value: string, where: JsonString) => string, depth = 0): string | undefined {
    const out: string[] = [];
    let last = 0;
    let lastKey: string | undefined;
    let changed = false;
    // Per open object, the name of a name/value pair seen in it so far.
    const pairNames: Array<string | undefined> = [];
    // Collected first: a nested document is rewritten with the same expression.
    const literals: RegExpExecArray[] = [];
    eachMatch(LITERAL, text, (m) => literals.push(m));
    for (const m of literals) {
        const start = m.index;
        const end = start + m[0].length;
        const gap = text.slice(last, start);
        if (!STRUCTURE.test(gap)) return undefined;
        for (let i = 0; i < gap.length; i++) {
            const c = gap.charCodeAt(i);
            if (c === 123) pairNames.push(undefined);
            else if (c === 125) pairNames.pop();
        }
        const isKey = nextNonSpace(text, end) === ":";
        const key = !isKey && previousNonSpace(text, start) === ":" ? lastKey : undefined;
        const raw = m[0];
        let decoded: string;
        try {
            decoded = raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        } catch {
            return undefined;
        }
        if (isKey) lastKey = decoded;
        const nested = depth < MAX_DEPTH && !isKey && looksLikeJson(decoded) ? rewriteJson(decoded, visit, depth + 1) : undefined;
        const pairName = key === "value" ? pairNames[pairNames.length - 1] : undefined;
        if (key !== undefined && PAIR_NAME_KEYS.has(key) && pairNames.length > 0) pairNames[pairNames.length - 1] = decoded;
        const value = visit(nested ?? decoded, { key, isKey, json: nested !== undefined, pairName });
        out.push(gap, value === decoded ? raw : JSON.stringify(value));
        if (value !== decoded) changed = true;
        last = end;
    }
    const tail = text.slice(last);
    if (!STRUCTURE.test(tail)) return undefined;
    if (!changed) return text;
    out.push(tail);
    return out.join("");
}

/** Every string of a JSON text, decoded, with where it sits; false when the text is not JSON. */
export function visitJson(text: string, visit: (value: string, where: JsonString) => void): boolean {
    return rewriteJson(text, (value, where) => (visit(value, where), value)) !== undefined;
}

/** JSON's whitespace: space, tab, line feed, carriage return. */
const isJsonSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

function nextNonSpace(text: string, from: number): string | undefined {
    for (let i = from; i < text.length; i++) if (!isJsonSpace(text.charCodeAt(i))) return text[i];
    return undefined;
}

function previousNonSpace(text: string, before: number): string | undefined {
    for (let i = before - 1; i >= 0; i--) if (!isJsonSpace(text.charCodeAt(i))) return text[i];
    return undefined;
}

/** `\uXXXX` escapes in text that is not JSON (a JSON fragment inside a log line), decoded. */
export function decodeUnicodeEscapes(text: string): string {
    return text.replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** A run of URL or form text holding percent escapes. */
const PERCENT_RUN = /[^\s"<>]*%[0-9A-Fa-f]{2}[^\s"<>]*/g;

/**
 * Percent-encoded text (URLs, form bodies, redirects) with each component between the URL's own
 * delimiters decoded, passed through `visit` and encoded again only when the visitor changed it.
 */
export function rewritePercentEncoded(text: string, visit: (decoded: string) => string): string {
    if (!text.includes("%")) return text;
    return text.replace(PERCENT_RUN, (run) =>
        run
            .split(/([?&=/#;,])/)
            .map((part) => {
                if (!/%[0-9A-Fa-f]{2}/.test(part)) return part;
                let decoded: string;
                try {
                    decoded = decodeURIComponent(part);
                } catch {
                    return part;
                }
                const visited = visit(decoded);
                return visited === decoded ? part : encodeURIComponent(visited);
            })
            .join(""),
    );
}

/** The decoded components of the percent-encoded runs in a text. */
export function percentDecodedParts(text: string): string[] {
    const parts: string[] = [];
    if (text.includes("%")) rewritePercentEncoded(text, (decoded) => (parts.push(decoded), decoded));
    return parts;
}
