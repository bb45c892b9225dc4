// Person names that no app's user or identity table knows ("lunch with Margaret Thornbury"), found in
// English prose by compromise, a rule-based tagger (a lexicon of given names, honorifics and sentence
// patterns; no model to download). It costs about 3 ms per sentence, so it runs only where people
// write about people (the conversation columns of sync/rules.ts) and only on lines holding a
// capitalised word that does not open a sentence: most lines never reach it. What it finds is
// replaced, never a reason to stop a sync: a tagger has false positives, and the scan stays exact.
import type nlpType from "compromise";
import type { Span } from "./payloads";
import { SANITIZED_NAMES } from "../patterns";

/** A line: the tagger splits sentences itself (and knows "Dr." does not end one). */
const LINE = /[^\n]+/g;
/** A capitalised word after another word: the sign of a proper noun inside a sentence ("I" and acronyms are not). */
const CANDIDATE = /[\p{L}\p{N},;:)'"’”]\s+["'“‘(]?\p{Lu}\p{Ll}/u;
/** The sanitized names, which are nobody's and do not make a line worth tagging. */
const PLACEHOLDERS = new RegExp(SANITIZED_NAMES.join("|"), "g");
const PLACEHOLDER = new RegExp(`^(?:${SANITIZED_NAMES.join("|")})$`, "i");
/** From the first capitalised word of a match to its last letter: "her brother Tom," is "Tom". */
const NAME_CORE = /\p{Lu}[\s\S]*[\p{L}\p{M}]/u;

let tagger: typeof nlpType | undefined;
/** compromise, loaded at the first line worth tagging: building its lexicon takes about 0.25 s that sidecars which never tag should not pay. */
function nlp(text: string) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    tagger ??= require("compromise") as typeof nlpType;
    return tagger(text);
}

interface PersonMatch {
    offset: { start: number; length: number };
}

/** A cheap necessary condition: a capitalised word inside a sentence that is not a sanitized name. */
export function mayMentionPeople(text: string): boolean {
    return CANDIDATE.test(text) && CANDIDATE.test(text.replace(PLACEHOLDERS, "x"));
}

/** Spans of person names in English prose (the sanitized names excepted). */
export function personSpans(text: string): Span[] {
    const spans: Span[] = [];
    if (!mayMentionPeople(text)) return spans;
    LINE.lastIndex = 0;
    let line: RegExpExecArray | null;
    while ((line = LINE.exec(text)) !== null) {
        if (!CANDIDATE.test(line[0].replace(PLACEHOLDERS, "x"))) continue;
        const matches = nlp(line[0]).people().json({ offset: true }) as PersonMatch[];
        for (const { offset } of matches) {
            const found = line[0].slice(offset.start, offset.start + offset.length);
            const core = NAME_CORE.exec(found);
            if (!core || PLACEHOLDER.test(core[0])) continue;
            const start = line.index + offset.start + core.index;
            spans.push({ start, end: start + core[0].length });
        }
    }
    return spans;
}
