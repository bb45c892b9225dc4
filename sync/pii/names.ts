// Person names known from the apps' user and identity tables, found in free text whatever the case,
// accents or Unicode normalisation, as whole words (so "Will" does not match inside "willow"), and in
// scripts written without spaces (Chinese, Japanese, Korean, Thai) without word boundaries, so short
// CJK names are found too. Names arrive in clear (the row sanitizer reads them inside production's
// Postgres) or as keyed hashes of their folded form (graph and files: the names never leave Postgres
// in clear); with hashes, each candidate span of the folded text with a known length is hashed.
// Names in clear are looked up word by word (ClearNames below), not as one regular expression with an
// alternative per name: such an expression costs 1.5 us per value at 500 names and 286 us at 2,000
// (measured), and a user's contacts may well be that many.
import { createHmac } from "crypto";
import { FoldedText, fold, foldWithMap, isAscii, isUnspacedScript } from "./fold";
import type { Span } from "./payloads";

/** Name parts shorter than this are not searched for (initials would match everywhere)... */
export const MIN_NAME_LENGTH = 3;
/** ...except in scripts without spaces, where most given and family names have two characters. */
export const MIN_UNSPACED_NAME_LENGTH = 2;

const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

/** The folded form a known name is searched by, or undefined when it is too short or no name at all. */
export function searchableName(name: string, notNames: ReadonlySet<string>): string | undefined {
    const folded = fold(name.trim()).replace(/\s+/g, " ");
    if (!/\p{L}/u.test(folded) || notNames.has(folded)) return undefined;
    const length = Array.from(folded).length;
    return length >= (isUnspacedScript(folded) ? MIN_UNSPACED_NAME_LENGTH : MIN_NAME_LENGTH) ? folded : undefined;
}

/** The keyed hash a folded name is known by in the graph and file sidecars. */
export function nameHash(key: string, folded: string): string {
    return createHmac("sha256", key).update(folded, "utf8").digest("hex");
}

export interface KnownNameHashes {
    key: string;
    /** Hex HMAC-SHA256(key, folded name). */
    hashes: string[];
    /** Their lengths in UTF-16 code units of the folded name. */
    lengths: number[];
}

export class NameMatcher {
    private readonly clear = new ClearNames();
    private readonly hashes: Set<string>;
    private readonly lengths: Set<number>;
    private readonly key: string | undefined;

    /** `notNames`: the sanitized forms, which are nobody's name. */
    constructor(private readonly notNames: ReadonlySet<string>, names: readonly string[] = [], hashed?: KnownNameHashes) {
        this.hashes = new Set(hashed?.hashes ?? []);
        this.lengths = new Set(hashed?.lengths ?? []);
        this.key = hashed?.key;
        for (const name of names) this.add(name);
    }

    get size(): number {
        return this.clear.size + this.hashes.size;
    }

    add(name: string): void {
        const folded = searchableName(name, this.notNames);
        if (folded === undefined) return;
        if (this.key !== undefined) {
            this.hashes.add(nameHash(this.key, folded));
            this.lengths.add(folded.length);
        } else {
            this.clear.add(folded);
        }
    }

    /** [start, end) of every known name in `text` (original indices), leftmost and longest first, not overlapping. */
    spans(text: string): Array<[number, number]> {
        if (this.size === 0) return [];
        const spans = this.clear.size > 0 ? this.clearSpans(text) : [];
        if (this.hashes.size === 0) return spans;
        const hashed = this.hashedSpans(isAscii(text) ? identity(text) : foldWithMap(text));
        return mergeSpans([...spans, ...hashed]);
    }

    private clearSpans(text: string): Array<[number, number]> {
        // ASCII text folds to itself in lower case, index for index.
        if (isAscii(text)) return this.clear.find(text.toLowerCase(), true).map(({ start, end }) => [start, end]);
        const map = foldWithMap(text);
        return this.clear
            .find(map.folded, false)
            .filter(({ start, end }) => atCodePointStart(map, start) && atCodePointEnd(map, end))
            .map(({ start, end }) => [map.from[start], map.to[end - 1]]);
    }

    private hashedSpans(map: FoldedText): Array<[number, number]> {
        const { folded } = map;
        const spans: Array<[number, number]> = [];
        const lengths = [...this.lengths].sort((a, b) => b - a);
        const word = (i: number) => i >= 0 && i < folded.length && WORD_CHAR.test(folded[i]);
        const unspaced = (i: number) => i >= 0 && i < folded.length && isUnspacedScript(folded[i]);
        for (let start = 0; start < folded.length; start++) {
            if (!word(start) || !atCodePointStart(map, start)) continue;
            if (word(start - 1) && !unspaced(start) && !unspaced(start - 1)) continue;
            for (const length of lengths) {
                const end = start + length;
                if (end > folded.length || !atCodePointEnd(map, end)) continue;
                if (word(end) && !unspaced(end - 1) && !unspaced(end)) continue;
                if (this.hashes.has(nameHash(this.key!, folded.slice(start, end)))) {
                    spans.push([map.from[start], map.to[end - 1]]);
                    start = end - 1;
                    break;
                }
            }
        }
        return spans;
    }
}

function identity(text: string): FoldedText {
    const from = new Int32Array(text.length);
    const to = new Int32Array(text.length);
    for (let i = 0; i < text.length; i++) {
        from[i] = i;
        to[i] = i + 1;
    }
    return { folded: text.toLowerCase(), from, to };
}

function atCodePointStart(map: FoldedText, i: number): boolean {
    return i === 0 || map.from[i] !== map.from[i - 1];
}

function atCodePointEnd(map: FoldedText, end: number): boolean {
    return end === map.folded.length || map.from[end] !== map.from[end - 1];
}

/** Sorted, without overlaps (the earlier, then longer, span wins). */
export function mergeSpans(spans: Array<[number, number]>): Array<[number, number]> {
    const sorted = [...spans].sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    const out: Array<[number, number]> = [];
    for (const span of sorted) if (out.length === 0 || span[0] >= out[out.length - 1][1]) out.push(span);
    return out;
}


/**
 * Folded names in clear, found in folded text the way the pattern `(?<!\w)name(?!\w)` would find
 * them (word characters: letters, digits, marks; any run of whitespace where a name has a space;
 * leftmost, then longest), and names of scripts written without spaces anywhere: per word of the
 * text, one lookup of the names that start with that word, each then compared character by character.
 */
class ClearNames {
    /** Spaced names by their first word (its leading run of word characters), longest first. */
    private readonly byFirstWord = new Map<string, string[]>();
    /** The first two code units of those first words: most words of a text are ruled out without a string made for them. */
    private readonly firstWordPrefixes = new Set<number>();
    /** Unspaced-script names by their first code unit, longest first. */
    private readonly byFirstUnit = new Map<string, string[]>();
    private readonly known = new Set<string>();

    get size(): number {
        return this.known.size;
    }

    add(folded: string): void {
        if (this.known.has(folded)) return;
        this.known.add(folded);
        const name = folded.replace(/^[^\p{L}\p{N}\p{M}]+/u, "");
        if (name === "") return;
        const [bucket, lookup] = isUnspacedScript(name[0]) ? [this.byFirstUnit, name[0]] : [this.byFirstWord, leadingWord(name)];
        if (bucket === this.byFirstWord) this.firstWordPrefixes.add(wordPrefix(lookup, 0, lookup.length));
        const names = bucket.get(lookup) ?? [];
        names.push(name);
        names.sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
        bucket.set(lookup, names);
    }

    /** Spans of known names in folded text (`ascii`: the text is ASCII, tested by char code). */
    find(text: string, ascii: boolean): Span[] {
        const spans: Span[] = [];
        const n = text.length;
        const unspaced = this.byFirstUnit.size > 0 && !ascii;
        let at = 0;
        while (at < n) {
            if (!isWordAt(text, at, ascii)) {
                const end = unspaced ? this.unspacedAt(text, at) : -1;
                if (end >= 0) spans.push({ start: at, end });
                at = end >= 0 ? end : at + 1;
                continue;
            }
            // A word starts here: a spaced name can start only here, an unspaced one anywhere in it.
            let wordEnd = at + 1;
            while (wordEnd < n && isWordAt(text, wordEnd, ascii)) wordEnd++;
            let end = this.firstWordPrefixes.has(wordPrefix(text, at, wordEnd)) ? this.spacedAt(text, at, wordEnd, ascii) : -1;
            if (end < 0 && !unspaced) {
                at = wordEnd;
                continue;
            }
            if (end < 0) {
                for (let i = at; i < wordEnd && end < 0; i++) {
                    end = this.unspacedAt(text, i);
                    if (end >= 0) at = i;
                }
                if (end < 0) {
                    at = wordEnd;
                    continue;
                }
            }
            spans.push({ start: at, end });
            at = end;
        }
        return spans;
    }

    /** The end of the longest spaced name starting with the word text[at, wordEnd), or -1. */
    private spacedAt(text: string, at: number, wordEnd: number, ascii: boolean): number {
        for (const name of this.byFirstWord.get(text.slice(at, wordEnd)) ?? []) {
            const end = matchNameAt(text, name, at);
            if (end >= 0 && (end >= text.length || !isWordAt(text, end, ascii))) return end;
        }
        return -1;
    }

    /** The end of the longest unspaced-script name at `at`, or -1. */
    private unspacedAt(text: string, at: number): number {
        if (text.charCodeAt(at) < 128) return -1;
        for (const name of this.byFirstUnit.get(text[at]) ?? []) {
            const end = matchNameAt(text, name, at);
            if (end >= 0) return end;
        }
        return -1;
    }
}

function isWordAt(text: string, i: number, ascii: boolean): boolean {
    const c = text.charCodeAt(i);
    return c < 128 ? (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) : !ascii && WORD_CHAR.test(text[i]);
}

function isSpaceAt(text: string, i: number): boolean {
    const c = text.charCodeAt(i);
    return c < 128 ? c === 32 || (c >= 9 && c <= 13) : /\s/.test(text[i]);
}

/** Where `name` ends when it is written at `at` in `text` (a space in it matching any run of whitespace), or -1. */
function matchNameAt(text: string, name: string, at: number): number {
    let i = at;
    for (let j = 0; j < name.length; j++) {
        if (name.charCodeAt(j) === 32) {
            if (i >= text.length || !isSpaceAt(text, i)) return -1;
            while (i < text.length && isSpaceAt(text, i)) i++;
        } else if (i >= text.length || text.charCodeAt(i++) !== name.charCodeAt(j)) {
            return -1;
        }
    }
    return i;
}

/** The first two code units of the word text[start, end) as one number. */
function wordPrefix(text: string, start: number, end: number): number {
    return text.charCodeAt(start) * 65536 + (end - start > 1 ? text.charCodeAt(start + 1) : 0);
}

/** The leading run of word characters of a folded name. */
function leadingWord(name: string): string {
    const match = /^[\p{L}\p{N}\p{M}]+/u.exec(name);
    return match ? match[0] : name[0];
}
