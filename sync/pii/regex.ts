// Every match of a global regular expression, by an exec loop over the one compiled expression:
// String.prototype.matchAll clones the expression per call, which costs three times the search itself
// on the short values the sanitizer sees by the million (measured: 0.44 against 0.15 us per call).

/** Calls `visit` with each match of `pattern` (which must have the g flag) in `text`, left to right. */
export function eachMatch(pattern: RegExp, text: string, visit: (match: RegExpExecArray) => void): void {
    pattern.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = pattern.exec(text)) !== null) {
        // An empty match would match again at the same place.
        if (match[0].length === 0) pattern.lastIndex++;
        visit(match);
    }
}

/** The [start, end) of each match. */
export function matchSpans(pattern: RegExp, text: string): Array<{ start: number; end: number }> {
    const spans: Array<{ start: number; end: number }> = [];
    eachMatch(pattern, text, (m) => spans.push({ start: m.index, end: m.index + m[0].length }));
    return spans;
}
