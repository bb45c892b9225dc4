// The PII corpus: property-generated emails, phone numbers, person names and secrets (fixed seed,
// 10,000 of each), embedded in plain text, JSON (as JavaScript writes it and as Python's json.dumps
// escapes it), URLs and base64. The sanitizer must remove every one of them, and the scan must flag
// every one left in; a benign corpus (UUIDs, timestamps, versions, prices, hashes, ids) must pass the
// scan untouched. The checks that a value is gone are independent of the detectors: they decode the
// output every way the input was encoded and look for the value's own characters.
import * as assert from "assert";
import * as fc from "fast-check";
import { getExampleNumber, parsePhoneNumberFromString } from "libphonenumber-js/max";
import examples from "libphonenumber-js/mobile/examples";
import { fold } from "../../sync/pii/fold";
import { DEFAULT_PHONE_REGIONS } from "../../config/phoneRegions";
import { TextSanitizer, textSanitizer, textSettings } from "../../sync/text";

const SEED = 20261202;
const PER_KIND = 10_000;
const KEY = "corpus-key-0123456789abcdef";

// Names in several scripts, as the apps' user tables hold them.
const FIRST = ["José", "Zoë", "Łukasz", "Ødegaard", "Siobhán", "François", "Dmitri", "Дмитрий", "Σοφία", "Ahmet", "Nguyễn", "Amélie", "Björn", "Mikaela", "Priyanka", "Chiara", "Wojciech", "Ines", "Tomasz", "Aoife", "Leopold", "Margarethe", "Friedrich", "Eleanor"];
const LAST = ["García", "Müller", "Kowalczyk", "Ðorđević", "O'Brien", "Nakamura", "Smirnova", "Papadopoulos", "Yılmaz", "Lindqvist", "Van der Berg", "Rossi", "Dubois", "Janssens", "Horvath", "Novak", "Costa", "Andersen", "Whitfield", "Ashworth"];
const CJK = ["王伟", "李娜", "张敏", "刘洋", "陈静", "佐藤", "鈴木", "김민준", "이서연", "박지훈"];
const KNOWN_NAMES = [...FIRST, ...LAST, ...FIRST.flatMap((f, i) => [`${f} ${LAST[i % LAST.length]}`]), ...CJK];

const ascii = (s: string) => s.replace(/[^\x20-\x7e]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
/** JSON as Python's json.dumps writes it (ensure_ascii): every non-ASCII character escaped. */
const pythonJson = (value: unknown) => ascii(JSON.stringify(value));

type Context = "text" | "json" | "python-json" | "url" | "base64" | "nested-json" | "percent";
const CONTEXTS: Context[] = ["text", "json", "python-json", "url", "base64", "nested-json", "percent"];

function embed(value: string, context: Context, lead: string): string {
    switch (context) {
        case "text":
            return `${lead} ${value}, thanks.`;
        case "json":
            return JSON.stringify({ role: "user", content: `${lead} ${value}` });
        case "python-json":
            return pythonJson({ messages: [{ role: "user", content: `${lead} ${value}` }] });
        case "url":
            return `See https://crm.test/contact?who=${encodeURIComponent(value)}&ref=7`;
        case "percent":
            return `redirect=${encodeURIComponent(`${lead} ${value}`)}`;
        case "base64":
            return `attachment: ${Buffer.from(`${lead} ${value}`, "utf8").toString("base64")}`;
        case "nested-json":
            return JSON.stringify({ node: "Set", parameters: JSON.stringify({ value: `${lead} ${value}` }) });
    }
}

/** Every way of reading the output back: as it is, JSON-unescaped, percent-decoded, base64-decoded. */
function readings(output: string): string[] {
    const out = [output];
    const unescaped = output.replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))).replace(/\\"/g, '"');
    out.push(unescaped);
    try {
        out.push(decodeURIComponent(output.replace(/\+/g, " ")));
    } catch {
        // Not percent-encoded.
    }
    for (const run of output.match(/[A-Za-z0-9+/]{8,}={0,2}/g) ?? []) out.push(Buffer.from(run, "base64").toString("utf8"));
    return out;
}

interface Sample {
    text: string;
    /** Ambiguous by construction (a phone number written like an IPv4 address): removed, but no stop. */
    ambiguous?: boolean;
    /** What must be gone from every reading of the output (checked folded, as the matcher sees it). */
    gone: (reading: string) => boolean;
}

const emailArb = fc
    .record({
        local: fc.oneof(
            fc.stringMatching(/^[a-z][a-z0-9]{2,9}(?:[._+-][a-z0-9]{2,8})?$/),
            fc.constantFrom("jörg", "zoë.müller", "françois", "łukasz.k", "δημήτρης", "пётр", "王伟", "siobhán"),
        ),
        domain: fc.oneof(
            fc.stringMatching(/^[a-z][a-z0-9-]{1,12}[a-z0-9]$/).map((d) => `${d}.example-mail.org`),
            fc.constantFrom("münchen.de", "bücher.example", "例え.jp", "xn--mnchen-3ya.de", "mail.co.uk", "почта.рф"),
        ),
        upper: fc.boolean(),
        form: fc.constantFrom("plain", "mailto", "entity", "fullwidth"),
    })
    .map(({ local, domain, upper, form }) => {
        const address = `${upper ? local.toUpperCase() : local}@${domain}`;
        const written = form === "mailto" ? `mailto:${address}` : form === "entity" ? address.replace("@", "&#64;") : form === "fullwidth" ? address.replace("@", "＠") : address;
        return { address, written, local: local.toLowerCase() };
    });

const phoneArb = fc
    .record({ region: fc.constantFrom(...DEFAULT_PHONE_REGIONS), tail: fc.integer({ min: 0, max: 9999 }), layout: fc.constantFrom("NATIONAL", "INTERNATIONAL", "E.164", "dots", "dashes", "00") })
    .map(({ region, tail, layout }) => {
        const example = getExampleNumber(region as never, examples)!;
        const nsn = String(example.nationalNumber);
        const candidate = nsn.slice(0, -4) + String(tail).padStart(4, "0");
        const parsed = parsePhoneNumberFromString(candidate, region as never);
        const number = parsed && parsed.isValid() ? parsed : example;
        const national = number.formatNational();
        const written =
            layout === "NATIONAL" ? national
            : layout === "INTERNATIONAL" ? number.formatInternational()
            : layout === "E.164" ? number.format("E.164")
            : layout === "00" ? number.formatInternational().replace(/^\+/, "00")
            : layout === "dots" ? national.replace(/ /g, ".")
            : national.replace(/ /g, "-");
        return { written, digits: String(number.nationalNumber) };
    });

const nameArb = fc
    .record({ name: fc.constantFrom(...KNOWN_NAMES), casing: fc.constantFrom("as-is", "upper", "lower"), nfd: fc.boolean() })
    .map(({ name, casing, nfd }) => {
        let written = casing === "upper" ? name.toUpperCase() : casing === "lower" ? name.toLowerCase() : name;
        if (nfd) written = written.normalize("NFD");
        return { written, folded: fold(name) };
    });

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const secretArb = fc
    .record({
        kind: fc.constantFrom("openai", "anthropic", "github", "jwt", "aws", "slack", "keyed"),
        body: fc.stringMatching(/^[A-Za-z0-9]{40}$/),
        key: fc.constantFrom("api_key", "apiKey", "client_secret", "password", "access_token", "refreshToken", "private-key", "SMTP_PASSWORD"),
    })
    .map(({ kind, body, key }) => {
        const value =
            kind === "openai" ? `sk-proj-${body}`
            : kind === "anthropic" ? `sk-ant-api03-${body}`
            : kind === "github" ? `ghp_${body.slice(0, 36)}`
            : kind === "jwt" ? `${base64url({ alg: "HS256", typ: "JWT" })}.${base64url({ sub: body.slice(0, 10), iat: 1700000000 })}.${body.slice(0, 32)}`
            : kind === "aws" ? `AKIA${body.toUpperCase().replace(/[^A-Z0-9]/g, "X").slice(0, 16)}`
            : kind === "slack" ? `xoxb-${body.slice(0, 12)}-${body.slice(12, 30)}`
            : `plain ${body.slice(0, 20)} words`;
        return { kind, value, key };
    });

function gather<T>(arb: fc.Arbitrary<T>, seed: number): T[] {
    return fc.sample(arb, { seed, numRuns: PER_KIND });
}

interface Outcome {
    samples: number;
    ambiguous: number;
    notRemoved: string[];
    notFlagged: string[];
}

function run(text: TextSanitizer, samples: Sample[]): Outcome {
    const outcome: Outcome = { samples: samples.length, ambiguous: samples.filter((s) => s.ambiguous).length, notRemoved: [], notFlagged: [] };
    for (const sample of samples) {
        const output = text.text(sample.text);
        if (!readings(output).every(sample.gone)) outcome.notRemoved.push(`${sample.text} -> ${output}`);
        if (!sample.ambiguous && !text.leaks(sample.text)) outcome.notFlagged.push(sample.text);
    }
    return outcome;
}

function report(kind: string, outcome: Outcome): void {
    const recall = (1 - outcome.notRemoved.length / outcome.samples) * 100;
    const flagged = (1 - outcome.notFlagged.length / (outcome.samples - outcome.ambiguous)) * 100;
    const ambiguous = outcome.ambiguous > 0 ? ` (${outcome.ambiguous} ambiguous by construction, removed but not required to stop a sync)` : "";
    process.stdout.write(`      corpus ${kind}: ${outcome.samples} values, removed ${recall.toFixed(2)}%, flagged when left ${flagged.toFixed(2)}%${ambiguous}\n`);
    assert.deepStrictEqual(outcome.notRemoved.slice(0, 5), [], `${kind}: ${outcome.notRemoved.length} not removed`);
    assert.deepStrictEqual(outcome.notFlagged.slice(0, 5), [], `${kind}: ${outcome.notFlagged.length} not flagged`);
}

const contextOf = (i: number) => CONTEXTS[i % CONTEXTS.length];
const foldedReading = (reading: string) => fold(reading).replace(/\s+/g, " ");

describe("PII corpus (fast-check, fixed seed)", function () {
    this.timeout(600_000);
    const text = textSanitizer({ ...textSettings("unused"), names: KNOWN_NAMES }, KEY);

    it(`removes and flags ${PER_KIND} emails in every encoding`, () => {
        const samples = gather(emailArb, SEED).map((e, i): Sample => ({
            text: embed(e.written, contextOf(i), "Write to"),
            gone: (reading) => !foldedReading(reading).includes(`${fold(e.local)}@`) && !reading.toLowerCase().includes(e.address.toLowerCase()),
        }));
        report("emails", run(text, samples));
    });

    it(`removes and flags ${PER_KIND} phone numbers of ${DEFAULT_PHONE_REGIONS.length} regions in six layouts`, () => {
        const ipv4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
        const samples = gather(phoneArb, SEED + 1).map((p, i): Sample => ({
            text: embed(p.written, contextOf(i), "Call me on"),
            ambiguous: ipv4.test(p.written),
            gone: (reading) => !reading.replace(/\D/g, "").includes(p.digits),
        }));
        report("phones", run(text, samples));
    });

    it(`removes and flags ${PER_KIND} known names in several scripts, cases and normalisations`, () => {
        const samples = gather(nameArb, SEED + 2).map((n, i): Sample => ({
            text: embed(n.written, contextOf(i), "Dinner with"),
            gone: (reading) => {
                const folded = foldedReading(reading);
                return /[\p{Script=Han}\p{Script=Hangul}]/u.test(n.folded) ? !folded.includes(n.folded) : !new RegExp(`(?<![\\p{L}\\p{N}])${n.folded.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\p{L}\\p{N}])`, "u").test(folded);
            },
        }));
        report("names", run(text, samples));
    });

    it(`removes and flags ${PER_KIND} secrets by shape and by key`, () => {
        const samples = gather(secretArb, SEED + 3).map((s, i): Sample => {
            const context = contextOf(i);
            // A secret without a shape is found by the key it sits under, which only JSON has.
            const sampleText = s.kind === "keyed" ? (i % 2 === 0 ? JSON.stringify({ [s.key]: s.value, max_tokens: 512 }) : pythonJson({ config: { [s.key]: s.value } })) : embed(s.value, context, "token");
            return { text: sampleText, gone: (reading) => !reading.includes(s.value) };
        });
        report("secrets", run(text, samples));
    });

    it(`passes ${PER_KIND} benign values through the scan untouched, and counts what the sanitizer alters`, () => {
        const benignArb = fc.oneof(
            fc.uuid(),
            fc.date({ min: new Date("1990-01-01"), max: new Date("2040-01-01"), noInvalidDate: true }).map((d) => d.toISOString()),
            fc.date({ min: new Date("1990-01-01"), max: new Date("2040-01-01"), noInvalidDate: true }).map((d) => d.toISOString().replace("T", " ").slice(0, 19)),
            fc.tuple(fc.nat(30), fc.nat(99), fc.nat(999)).map(([a, b, c]) => `v${a}.${b}.${c}`),
            fc.tuple(fc.nat(30), fc.nat(99), fc.nat(999)).map(([a, b, c]) => `${a}.${b}.${c}-beta.${a % 7}`),
            fc.tuple(fc.nat(99_999), fc.nat(99)).map(([a, b]) => `€${a.toLocaleString("en-US")}.${String(b).padStart(2, "0")}`),
            fc.tuple(fc.nat(99_999), fc.nat(99)).map(([a, b]) => `${a.toLocaleString("de-DE")},${String(b).padStart(2, "0")} EUR`),
            fc.stringMatching(/^[0-9a-f]{40}$/),
            fc.stringMatching(/^[0-9a-f]{7}$/),
            fc.integer({ min: 1, max: 2_000_000_000 }).map(String),
            fc.integer({ min: 1_500_000_000_000, max: 1_900_000_000_000 }).map(String),
            fc.stringMatching(/^(msg|run|step|agent|chatcmpl)-[A-Za-z0-9]{12}$/),
            fc.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
            fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join(".")),
        );
        const values = fc.sample(benignArb, { seed: SEED + 4, numRuns: PER_KIND });
        const flagged: string[] = [];
        let altered = 0;
        values.forEach((value, i) => {
            const context = (["text", "json", "python-json"] as const)[i % 3];
            const sample = context === "text" ? `id ${value} at step 3` : context === "json" ? JSON.stringify({ id: value, n: 3 }) : pythonJson({ value });
            if (text.leaks(sample)) flagged.push(sample);
            if (text.text(sample) !== sample) altered++;
        });
        process.stdout.write(`      corpus benign: ${values.length} values, flagged by the scan ${flagged.length}, altered by the sanitizer ${altered}\n`);
        assert.deepStrictEqual(flagged.slice(0, 5), [], `${flagged.length} benign values flagged`);
    });
});
