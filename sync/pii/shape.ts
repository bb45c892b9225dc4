// One pass over a text that tells which detectors can find anything in it: most values are prose
// with no long digit run and no long token, and a loop over char codes costs less than the
// detectors' regular expressions do on text that cannot match.

export interface TextShape {
    /** Only ASCII characters (names then fold by lower-casing alone). */
    ascii: boolean;
    /** The most digits in one run of digits and the separators phone and card numbers use. */
    digitsInRun: number;
    /** The longest run of characters tokens and base64 are made of. */
    tokenRun: number;
}

export function shapeOf(text: string): TextShape {
    let ascii = true;
    let digits = 0;
    let maxDigits = 0;
    let run = 0;
    let maxRun = 0;
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c > 127) ascii = false;
        const digit = c >= 48 && c <= 57;
        if (digit) {
            if (++digits > maxDigits) maxDigits = digits;
        } else if (c !== 32 && c !== 45 && c !== 46 && c !== 40 && c !== 41 && c !== 47 && c !== 43 && c !== 9 && c !== 160) {
            digits = 0;
        }
        if (digit || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47 || c === 95 || c === 45 || c === 61) {
            if (++run > maxRun) maxRun = run;
        } else {
            run = 0;
        }
    }
    return { ascii, digitsInRun: maxDigits, tokenRun: maxRun };
}
