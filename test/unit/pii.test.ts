// The detectors of sync/pii/ and the text sanitizer on the cases real data brings: escaped JSON,
// other cases and normalisations, short CJK names, national phone formats, percent-encoding, opaque
// payloads, secrets by key and by shape, card numbers and IBANs. No Docker.
import * as assert from "assert";
import { CatalogTable } from "../../sync/catalog";
import { isPersonalNumber, planTable } from "../../sync/plan";
import { isSecretKey } from "../../sync/pii/secrets";
import { PhoneFinder } from "../../sync/pii/phones";
import { rewriteJson } from "../../sync/pii/json";
import { sanitizedEmail } from "../../sync/session-sql";
import { PLACEHOLDERS, textSanitizer, textSettings } from "../../sync/text";
import { phoneRegions } from "../../sync/cli";
import { parseStackConfig } from "../../config/read";

const KEY = "pii-unit-key-0123456789";
const sanitizer = (names: string[] = []) => textSanitizer({ ...textSettings("unused"), names }, KEY);

describe("personal data detection", () => {
    it("reads JSON strings decoded and writes them back as valid JSON, numbers untouched", () => {
        const text = sanitizer(["Jörg Müller"]);
        // Python's json.dumps escapes every non-ASCII character.
        const python = String.raw`{"content": "Mail j\u00f6rg@example.org or J\u00d6RG M\u00fcller", "n": 12345678901234567890, "ok": true}`;
        const out = text.text(python);
        const parsed = JSON.parse(out) as { content: string };
        assert.strictEqual(parsed.content, `Mail ${sanitizedEmail(KEY, "jörg@example.org")} or Test User`);
        assert.ok(out.includes("12345678901234567890"), "a big number keeps its digits");
        assert.strictEqual(text.leaks(python), true);
        assert.strictEqual(text.leaks(out), false);
    });

    it("finds emails escaped, percent-encoded, as entities, with Unicode local parts and IDN domains", () => {
        const text = sanitizer();
        for (const written of ["a\\u0040b.org".replace("b.org", "x.org"), "mailto:zoë@bücher.example", "ask%40example.org", "ask%2540example.org", "ask&#64;example.org", "王伟@例え.jp", "Ask@XN--MNCHEN-3YA.DE"]) {
            const out = text.text(`write to ${written} today`);
            assert.strictEqual(text.leaks(out), false, `${written} -> ${out}`);
            assert.ok(!out.includes(written), `${written} -> ${out}`);
        }
        // The same address in any form gets the same pseudonym, so joins across tables hold.
        assert.strictEqual(text.text("ASK@Example.org"), text.text("ask%40example.org").replace("%40", "@"));
    });

    it("finds names in any case and normalisation, as whole words, and two-character CJK names", () => {
        const text = sanitizer(["Will Ashworth", "Will", "王伟", "Zoë"]);
        assert.strictEqual(text.text("WILL ASHWORTH and willow, will."), "Test User and willow, Test User.");
        assert.strictEqual(text.text("王伟先生来了"), "Test User先生来了");
        assert.strictEqual(text.text("zoe".normalize("NFD") + " and ZOË".normalize("NFD")), "Test User and Test User");
        assert.strictEqual(text.leaks("Willow"), false);
    });

    it("matches names word by word: punctuation inside a name, any whitespace between its words, the longest first, CJK inside text", () => {
        const text = sanitizer(["Siobhán O'Brien", "O'Brien", "Jean-Luc Picard", "Jean", "'t Hooft", "山田 太郎", "李娜"]);
        assert.strictEqual(text.text("Ask SIOBHAN  O'BRIEN,\tjean-luc\n picard or o'brien; jeans stay."), "Ask Test User,\tTest User or Test User; jeans stay.");
        assert.strictEqual(text.text("Jean-Lucas and Jean"), "Test User-Lucas and Test User");
        assert.strictEqual(text.text("with 't Hooft"), "with 'Test User");
        assert.strictEqual(text.text("请联系山田 太郎和李娜。"), "请联系Test User和Test User。");
        assert.strictEqual(text.text("xo'brien and o'briens"), "xo'brien and o'briens");
    });

    it("finds names no table knows in conversations (a tagger), replacing them without touching the sentence around them", () => {
        const text = sanitizer(["Ada Lovelace"]);
        const message = "Yesterday I had lunch with Margaret Thornbury and her brother Tom. Ask Dr. Patel, or Ada Lovelace.";
        assert.strictEqual(
            text.text(message, { people: true }),
            "Yesterday I had lunch with Test User and her brother Test User. Ask Test User, or Test User.", // honorifics go with the name
        );
        // Only where asked (conversation columns), and inside JSON strings too.
        assert.strictEqual(text.text(message), "Yesterday I had lunch with Margaret Thornbury and her brother Tom. Ask Dr. Patel, or Test User.");
        const chat = JSON.stringify({ messages: [{ role: "user", content: "Please write to Sarah Whitcombe about the invoice." }] });
        assert.deepStrictEqual(JSON.parse(text.text(chat, { people: true })).messages[0].content, "Please write to Test User about the invoice.");
        assert.strictEqual(text.replaced.person, 4, "Margaret Thornbury, Tom, Dr. Patel, Sarah Whitcombe");
        // Sentences without a capitalised word inside never reach the tagger, and placeholders stay.
        assert.strictEqual(text.text("Summarise the report for the team. Test User will read it.", { people: true }), "Summarise the report for the team. Test User will read it.");
    });

    it("finds one of 5,000 known names as well as one of five", () => {
        const many = Array.from({ length: 5000 }, (_, i) => `Person${i} Family${i}`);
        const text = sanitizer([...many, "Ada Lovelace"]);
        assert.strictEqual(text.text("from person4999 family4999 and ADA lovelace, not person49990"), "from Test User and Test User, not person49990");
    });

    it("finds national and international phone numbers of the configured regions, and no dates, versions or UUIDs", () => {
        const phones = new PhoneFinder();
        for (const written of ["030 1234567", "06 12 34 56 78", "+44 20 7946 0958", "0041 44 668 18 00", "(415) 555-0100", "912 345 678", "0151 23456789", "+49 (0)30 1234567"]) {
            assert.deepStrictEqual(phones.spans(`call ${written}.`).map((s) => s.strength), ["strong"], written);
        }
        for (const benign of ["2026-12-02", "v1.2.3", "550e8400-e29b-41d4-a716-446655440000", "1700000000000", "3.14159", "12:30:45"]) {
            assert.deepStrictEqual(phones.spans(`at ${benign} ok`), [], benign);
        }
        assert.throws(() => new PhoneFinder(["XX"]), /unknown phone region\(s\) XX/);
    });

    it("replaces card numbers and IBANs whole, so they never block a sync as a phone number", () => {
        const text = sanitizer();
        const out = text.text("card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00.");
        assert.strictEqual(out, `card ${PLACEHOLDERS.card}, IBAN ${PLACEHOLDERS.iban}.`);
        assert.strictEqual(text.leaks(out), false);
    });

    it("blanks strings under secret keys (whole words only) and finds tokens by shape", () => {
        for (const key of ["api_key", "apiKey", "client_secret", "password", "access_token", "refreshToken", "private-key", "SMTP_PASSWORD"]) assert.ok(isSecretKey(key), key);
        for (const key of ["max_tokens", "authentication", "tokenizer", "token_count", "keyboard", "passwordless_enabled"]) assert.ok(!isSecretKey(key), key);
        const text = sanitizer();
        const out = text.text(JSON.stringify({ apiKey: "abc123", max_tokens: 512, authentication: "headerAuth", password: true, nested: { client_secret: "xyz" }, note: "Bearer abcdefghijklmnop1234 and sk-proj-ABCDEFGHIJKLMNOPQRSTUV" }));
        assert.deepStrictEqual(JSON.parse(out), { apiKey: "", max_tokens: 512, authentication: "headerAuth", password: true, nested: { client_secret: "" }, note: "Bearer [secret removed] and [secret removed]" });
        assert.strictEqual(text.leaks(out), false);
        assert.strictEqual(text.leaks(JSON.stringify({ token: "left" })), true);
        // n8n's HTTP Request node keeps headers as name/value pairs.
        const node = { parameters: { headerParameters: { parameters: [{ name: "X-API-Key", value: "abc123" }, { name: "Accept", value: "application/json" }] } } };
        assert.deepStrictEqual(JSON.parse(text.text(JSON.stringify(node))).parameters.headerParameters.parameters, [{ name: "X-API-Key", value: "" }, { name: "Accept", value: "application/json" }]);
        assert.strictEqual(text.leaks(JSON.stringify(node)), true);
    });

    it("replaces data: URLs, long base64 runs, and short base64 that hides personal data", () => {
        const text = sanitizer();
        const photo = "data:image/png;base64," + Buffer.alloc(300, 7).toString("base64");
        const blob = Buffer.from("x".repeat(100) + " Abc 123 ".repeat(30)).toString("base64");
        const hidden = Buffer.from("bruno@example.org").toString("base64");
        assert.strictEqual(text.text(`a ${photo} b`), `a ${PLACEHOLDERS.dataUrl} b`);
        assert.strictEqual(text.text(`x ${blob} y`), `x ${PLACEHOLDERS.base64} y`);
        assert.strictEqual(text.text(`ref ${hidden}`), `ref ${PLACEHOLDERS.base64}`);
        assert.strictEqual(text.leaks(`ref ${hidden}`), true);
        // A git hash or an id is base64-shaped and decodes to nothing readable: left alone.
        assert.strictEqual(text.text("commit 9fceb02d0ae598e95dc970b74767f19372d61af8"), "commit 9fceb02d0ae598e95dc970b74767f19372d61af8");
    });

    it("rewrites only the strings it changes, keeping JSON's other bytes", () => {
        assert.strictEqual(rewriteJson('{ "a" : 1.50, "b": ["x"] }', (s) => (s === "x" ? "y" : s)), '{ "a" : 1.50, "b": ["y"] }');
        assert.strictEqual(rewriteJson("{'a': 1}", (s) => s), undefined, "not JSON: the caller treats it as text");
    });
});

describe("columns of any type", () => {
    const column = (name: string, type: string, category: string, notNull = false) => ({ name, type, category, notNull });
    const table: CatalogTable = {
        schema: "public",
        name: "contacts",
        pages: 1,
        columns: [
            column("id", "int4", "N", true),
            column("phone", "int8", "N"),
            column("birth_date", "date", "D", true),
            column("embedding", "vector", "U"),
            column("photo", "bytea", "U"),
            column("tags", "_text", "A"),
            column("created_at", "timestamptz", "D"),
        ],
    };

    it("replaces numbers and dates whose names say they identify a person, empties embeddings and bytes on a laptop", () => {
        assert.ok(isPersonalNumber(column("mobileNumber", "int8", "N")));
        assert.ok(isPersonalNumber(column("date_of_birth", "date", "D")));
        assert.ok(!isPersonalNumber(column("created_at", "timestamptz", "D")));
        assert.ok(!isPersonalNumber(column("phone", "text", "S")), "text is scanned and sanitized, not blanked");
        const plan = planTable(table, { app: "n8n", sanitize: true });
        assert.match(plan.select, /^SELECT t\."id" AS "id", NULL AS "phone", '1970-01-01'::date AS "birth_date", NULL AS "embedding", CASE WHEN t\."photo" IS NULL THEN NULL ELSE convert_to\(/);
        assert.deepStrictEqual(plan.rowColumns.filter((c) => c.scan).map((c) => c.name), ["tags"], "arrays are scanned");
        const server = planTable(table, { app: "n8n", sanitize: false });
        assert.match(server.select, /t\."phone" AS "phone", t\."birth_date" AS "birth_date", t\."embedding" AS "embedding", t\."photo" AS "photo"/);
    });

    it("cancels n8n executions waiting to resume, in every profile", () => {
        const executions: CatalogTable = { schema: "public", name: "execution_entity", pages: 1, columns: [column("id", "int4", "N", true), column("waitTill", "timestamptz", "D"), column("status", "varchar", "S", true)] };
        for (const sanitize of [true, false]) {
            const plan = planTable(executions, { app: "n8n", sanitize });
            assert.match(plan.select, /NULL AS "waitTill"/);
            assert.match(plan.select, /WHEN t\.status IN \('waiting', 'new', 'running'\) THEN 'canceled'/);
        }
    });
});

describe("phone regions in config", () => {
    it("takes ISO region codes from pa:sync.phoneRegions and the sync's environment, and refuses unknown ones", () => {
        assert.deepStrictEqual(phoneRegions({ PA_SYNC_PHONE_REGIONS: "de, fr,US" }), ["DE", "FR", "US"]);
        assert.throws(() => phoneRegions({ PA_SYNC_PHONE_REGIONS: "DE,XX" }), /PA_SYNC_PHONE_REGIONS takes ISO 3166 region codes such as DE,FR,US; not 'XX'/);
        const base = {
            "pa:environment": "staging",
            "pa:hostProfile": "laptop",
            "pa:images": JSON.stringify({ postgres: "postgres:17.1", neo4j: "neo4j:5.26.29", letta: "letta/letta:0.16.8", openWebui: "open-webui:0.12.4", n8n: "n8n:1.123.81", gateway: "haproxy:3.0.11" }),
        };
        assert.throws(() => parseStackConfig("staging-laptop", { ...base, "pa:sync": JSON.stringify({ request: 1, phoneRegions: ["XX"] }) }), /phoneRegions/);
        assert.deepStrictEqual(parseStackConfig("staging-laptop", { ...base, "pa:sync": JSON.stringify({ request: 1, phoneRegions: ["DE"] }) }).sync?.phoneRegions, ["DE"]);
    });
});
