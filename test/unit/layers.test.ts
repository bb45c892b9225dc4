// The folders are layers: a lower one never imports a higher one, so the core (config, model) can be
// read, tested and reused without the sync or the operator commands. The rule, read from the sources.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");

/** What each folder may import from this repository (besides itself). */
const MAY_IMPORT: Record<string, readonly string[]> = {
    config: [],
    platform: [],
    model: ["config"],
    components: ["model", "config", "platform"],
    sync: ["model", "config", "platform"],
    cli: ["model", "config", "platform"],
    sidecars: ["cli", "model", "config", "platform"],
};

function sources(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        return entry.isDirectory() ? sources(full) : entry.name.endsWith(".ts") ? [full] : [];
    });
}

describe("layers", () => {
    it("no folder imports one above it", () => {
        const violations: string[] = [];
        for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
            for (const file of sources(path.join(ROOT, folder))) {
                const text = fs.readFileSync(file, "utf8");
                for (const m of text.matchAll(/(?:from|import|require\()\s*"(\.{1,2}\/[^"]+)"/g)) {
                    const target = path.relative(ROOT, path.resolve(path.dirname(file), m[1])).split(path.sep)[0];
                    if (target !== folder && !allowed.includes(target)) violations.push(`${path.relative(ROOT, file)} imports ${m[1]} (${folder} may import ${allowed.join(", ") || "nothing else"})`);
                }
            }
        }
        assert.deepStrictEqual(violations, []);
    });
});
