// README's configuration table is the user's reference: it lists exactly the keys config accepts, and the
// ranges it states are the schema's own.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { stackConfigSchema } from "../../config/schema";
import { SECRET_KEYS } from "../../config/read";

const README = fs.readFileSync(path.join(__dirname, "../../README.md"), "utf8");
const rows = new Map(
    [...README.matchAll(/^\| `pa:(\w+)` \| (.*) \| (.*) \|$/gm)].map((m) => [m[1], { values: m[2], default: m[3] }]),
);

describe("README's configuration table", () => {
    it("lists every key the schema accepts, and the secrets, and nothing else", () => {
        const keys = [...Object.keys(stackConfigSchema.shape), ...SECRET_KEYS].sort();
        assert.deepStrictEqual([...rows.keys()].sort(), keys);
    });

    it("states the schema's ranges", () => {
        const accepts = (key: string, value: unknown) => stackConfigSchema.shape[key as "postgresMajorVersion"].safeParse(value).success;
        for (const [key, row] of rows) {
            const range = /^(\d+)-(\d+)/.exec(row.values);
            if (!range) continue;
            const [low, high] = [Number(range[1]), Number(range[2])];
            assert.ok(accepts(key, low) && accepts(key, high), `pa:${key}: README says ${low}-${high}, the schema refuses an end`);
            assert.ok(!accepts(key, low - 1) && !accepts(key, high + 1), `pa:${key}: README says ${low}-${high}, the schema accepts beyond`);
        }
    });
});
