// Person names known from the apps' user and identity tables, found in free text whatever the case,
// accents or Unicode normalisation, as whole words (so "Will" does not match inside "willow"), and in
// scripts written without spaces (Chinese, Japanese, Korean, Thai) without word boundaries, so short
// CJK names are found too. Names arrive in clear (the row sanitizer reads them inside production's
// Postgres) or as keyed hashes of their folded form (graph and files: the names never leave Postgres
// in clear); with hashes, each candidate span of the folded text with a known length is hashed.
import { createHmac } from "crypto";
import { FoldedText, fold, foldWithMap, isAscii, isUnspacedScript } from "./fold";

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

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** A folded name as a pattern: any run of whitespace between its words. */
const namePattern = (folded: string) => folded.split(" ").map(escapeRegex).join("\\s+");

export class NameMatcher {
    private readonly clear = new Set<string>();
    private readonly hashes: Set<string>;
    private readonly lengths: Set<number>;
    private readonly key: string | undefined;
    private asciiPattern: RegExp | undefined;
    private foldedPattern: RegExp | undefined;
    private dirty = true;

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
        } else if (!this.clear.has(folded)) {
            this.clear.add(folded);
            this.dirty = true;
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

    private compile(): void {
        if (!this.dirty) return;
        this.dirty = false;
        // Longest first, so "ann lee" wins over "ann".
        const sorted = [...this.clear].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
        const spaced = sorted.filter((n) => !isUnspacedScript(n));
        const unspaced = sorted.filter((n) => isUnspacedScript(n));
        const ascii = spaced.filter(isAscii);
        this.asciiPattern = ascii.length > 0 ? new RegExp(`(?<![A-Za-z0-9])(?:${ascii.map(namePattern).join("|")})(?![A-Za-z0-9])`, "gi") : undefined;
        const alternatives = [
            ...(spaced.length > 0 ? [`(?<![\\p{L}\\p{N}\\p{M}])(?:${spaced.map(namePattern).join("|")})(?![\\p{L}\\p{N}\\p{M}])`] : []),
            ...(unspaced.length > 0 ? [`(?:${unspaced.map(namePattern).join("|")})`] : []),
        ];
        this.foldedPattern = alternatives.length > 0 ? new RegExp(alternatives.join("|"), "gu") : undefined;
    }

    private clearSpans(text: string): Array<[number, number]> {
        this.compile();
        const spans: Array<[number, number]> = [];
        if (isAscii(text)) {
            // ASCII text folds to itself in lower case, index for index: match it as it is.
            if (!this.asciiPattern) return spans;
            this.asciiPattern.lastIndex = 0;
            for (const m of text.matchAll(this.asciiPattern)) spans.push([m.index!, m.index! + m[0].length]);
            return spans;
        }
        if (!this.foldedPattern) return spans;
        const map = foldWithMap(text);
        this.foldedPattern.lastIndex = 0;
        for (const m of map.folded.matchAll(this.foldedPattern)) {
            const start = m.index!;
            const end = start + m[0].length;
            if (!atCodePointStart(map, start) || !atCodePointEnd(map, end)) continue;
            spans.push([map.from[start], map.to[end - 1]]);
        }
        return spans;
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
