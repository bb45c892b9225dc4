// Benchmark: the free-text sanitizer alone (sync/text.ts), in this process, on the value shapes the
// sync benchmark's rows hold (prose, a JSON string, n8n execution data, Letta message content; every
// fifth value mentions a known person), as the row sanitizer calls it: sanitize, and scan what changed.
// Prints microseconds per value for each shape, and for prose with 5,000 more known names, so a change
// to a detector can be measured without Docker.
// Usage: npm run bench:sanitizer -- [--values N]   (default 100,000 per shape)
import { PEOPLE } from "../test/sync/dataset";
import { textSanitizer, textSettings } from "../sync/text";
import { benchArgs } from "./args";

const count = benchArgs("Usage: npm run bench:sanitizer -- [--values N]\nMicroseconds per value of the free-text sanitizer on four value shapes (default 100000 values each).", "--values", 100_000, 1000);

const names = PEOPLE.flatMap((p) => [p.first, p.last, `${p.first} ${p.last}`]);
const text = textSanitizer({ ...textSettings("bench"), names }, "bench-key-0123456789abcdef");
/** The same sentences as test/sync/dataset.ts's chatter(). */
const chatter = (g: number) => {
    const p = PEOPLE[g % PEOPLE.length];
    return g % 5 === 0
        ? `Remind ${p.first} ${p.last} to call ${p.phone} or write to ${p.email}.`
        : `Summarise the quarterly report, section ${g}, and list the open action items for the team.`;
};
/** The shapes, and whether their column is a conversation's (the tagger's lines are looked for too). */
const shapes: Record<string, { make: (g: number) => string; people: boolean }> = {
    "prose (Letta messages.text)": { make: chatter, people: true },
    "JSON string (Open WebUI chat_message.content)": { make: (g) => JSON.stringify(chatter(g)), people: true },
    "n8n execution data": { make: (g) => `[{"resultData":"1","text":"${chatter(g)}"}]`, people: false },
    "Letta message content": { make: (g) => JSON.stringify([{ type: "text", text: chatter(g) }]), people: true },
};

let total = 0;
for (const [shape, { make, people }] of Object.entries(shapes)) {
    const values = Array.from({ length: count }, (_, i) => make(i + 1));
    const started = process.hrtime.bigint();
    let changed = 0;
    for (const value of values) {
        const sanitized = text.text(value, { people });
        if (sanitized !== value) {
            changed++;
            if (text.leaks(sanitized)) throw new Error(`the scan flags the sanitizer's own output: ${shape}`);
        }
    }
    const micros = Number(process.hrtime.bigint() - started) / 1e3 / count;
    total += micros;
    process.stdout.write(`${shape}: ${micros.toFixed(2)} us/value (${changed} of ${count} changed)\n`);
}
process.stdout.write(`mean over the shapes: ${(total / Object.keys(shapes).length).toFixed(2)} us/value\n`);

// The other columns of a row are scanned, not sanitized: ids, roles, states, most of them repeating.
{
    const rows = Array.from({ length: count }, (_, i) => [`message-${i}`, "user", "org-1", `agent-${i % 6}`, "gpt-4o-mini"]);
    const started = process.hrtime.bigint();
    for (const row of rows) for (const value of row) if (text.leaks(value)) throw new Error(`the scan flags ${value}`);
    process.stdout.write(`a row's scanned columns (5 short values): ${(Number(process.hrtime.bigint() - started) / 1e3 / count).toFixed(2)} us/row\n`);
}

// Conversation columns also run the tagger (sync/pii/people.ts) on lines with a capitalised word inside
// a sentence: here every third message has one, as chat messages that mention places, products or people do.
const conversation = (g: number) =>
    g % 3 === 0 ? `Could you book a table at Luigi's for Friday and tell Margaret Thornbury, section ${g}?` : chatter(g);
{
    const values = Array.from({ length: Math.min(count, 20_000) }, (_, i) => conversation(i + 1));
    const started = process.hrtime.bigint();
    const before = text.replaced.person;
    for (const value of values) text.text(value, { people: true });
    const micros = Number(process.hrtime.bigint() - started) / 1e3 / values.length;
    process.stdout.write(`conversation prose, tagger on (1 in 3 lines reach it): ${micros.toFixed(2)} us/value, ${text.replaced.person - before} untabled names replaced in ${values.length} values\n`);
}

// A user whose apps know thousands of people (contacts imported as Letta identities): the cost of the
// name search must not grow with them.
const crowd = textSanitizer({ ...textSettings("bench"), names: [...names, ...Array.from({ length: 5000 }, (_, i) => `Contact${i} Surname${i}`)] }, "bench-key-0123456789abcdef");
const prose = Array.from({ length: count }, (_, i) => chatter(i + 1));
const started = process.hrtime.bigint();
for (const value of prose) crowd.text(value);
process.stdout.write(`prose with ${names.length + 5000} known names: ${(Number(process.hrtime.bigint() - started) / 1e3 / count).toFixed(2)} us/value\n`);
