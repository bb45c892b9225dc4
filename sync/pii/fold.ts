// Folding for name matching: the same name written in another case, with or without accents, or in
// another Unicode normalisation (NFD from macOS, NFKC ligatures and full-width letters) folds to one
// form. foldWithMap() keeps, for each folded code unit, the span of the original text it came from,
// so a match in the folded text replaces exactly the original characters.

const COMBINING = /\p{M}/gu;

/** Lower-case letters that case mapping alone does not unify: Turkish dotless i, German sharp s, Greek final sigma. */
const CASE_FOLDS: Record<string, string> = { "ı": "i", "ß": "ss", "ς": "σ" };

/** Text folded: compatibility decomposition, marks dropped, lower case, the case folds above. */
export function fold(text: string): string {
    return text.normalize("NFKD").replace(COMBINING, "").normalize("NFC").toLowerCase().replace(/[ıßς]/g, (c) => CASE_FOLDS[c]);
}

export interface FoldedText {
    folded: string;
    /** For each code unit of `folded`, where its source code point starts in the original text. */
    from: Int32Array;
    /** For each code unit of `folded`, where its source code point (and any marks after it) ends. */
    to: Int32Array;
}

/** Whether the text is ASCII only, where folding is lower-casing and keeps every index. */
export function isAscii(text: string): boolean {
    // eslint-disable-next-line no-control-regex
    return /^[\x00-\x7f]*$/.test(text);
}

/** Code points that belong to the character before them: marks, and Hangul vowel and final jamo (NFD syllables). */
const CONTINUATION = /^[\p{M}\u1160-\u11ff\ud7b0-\ud7ff]$/u;

export function foldWithMap(text: string): FoldedText {
    const units: string[] = [];
    const from: number[] = [];
    const to: number[] = [];
    // Characters are folded whole (a base and what continues it), so `e` + U+0301 and decomposed
    // Hangul fold as their composed forms do.
    const clusters: Array<[number, number]> = [];
    let index = 0;
    for (const char of text) {
        const end = index + char.length;
        if (clusters.length > 0 && CONTINUATION.test(char)) clusters[clusters.length - 1][1] = end;
        else clusters.push([index, end]);
        index = end;
    }
    for (const [start, end] of clusters) {
        const folded = fold(text.slice(start, end));
        for (let i = 0; i < folded.length; i++) {
            units.push(folded[i]);
            from.push(start);
            to.push(end);
        }
    }
    return { folded: units.join(""), from: Int32Array.from(from), to: Int32Array.from(to) };
}

/** Scripts written without spaces between words: a name there is found without word boundaries. */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

export function isUnspacedScript(text: string): boolean {
    return UNSPACED.test(text);
}
