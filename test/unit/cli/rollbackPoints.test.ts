// Rollback points are listed from annotated tags (a real git repository in a temp folder) joined
// with the stack history by update start time (file backends show version 0 for every update).
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GitCli } from "../../../cli/release/git";
import { backupPresent, describePoints, formatPoints, HistoryEntry, lastGoodPoint, listPoints, RollbackPointManifest, tagMessage, tagName, currentUpdate } from "../../../cli/release/rollbackPoints";
import { OLD_IMAGES } from "./fakes";

function manifest(over: Partial<RollbackPointManifest>): RollbackPointManifest {
    return { format: 1, stack: "production", createdAt: "", commit: "", config: "config:\n", images: OLD_IMAGES, validated: true, reason: "test", ...over };
}

const HISTORY: HistoryEntry[] = [
    { kind: "update", startTime: "2026-03-03T00:00:00.000Z", result: "failed", environment: {} },
    { kind: "update", startTime: "2026-03-02T00:00:00.000Z", result: "succeeded", environment: { "git.head": "c2" } },
    { kind: "update", startTime: "2026-03-01T00:00:00.000Z", result: "succeeded", environment: { "git.head": "c1" } },
];

describe("rollback points from tags and stack history", () => {
    let repo: string;
    let git: GitCli;
    let commit: string;

    before(() => {
        repo = fs.mkdtempSync(path.join(os.tmpdir(), "pa-points-"));
        const g = (...args: string[]) => execFileSync("git", ["-C", repo, "-c", "user.name=t", "-c", "user.email=t@t", ...args], { encoding: "utf8" }).trim();
        g("init", "-q");
        g("commit", "-q", "--allow-empty", "-m", "first");
        commit = g("rev-parse", "HEAD");
        git = new GitCli(repo);
    });
    after(() => fs.rmSync(repo, { recursive: true, force: true }));

    it("names tags rollback-YYYYMMDD-HHMMSS in UTC", () => {
        assert.strictEqual(tagName(new Date("2026-03-04T05:06:07.890Z")), "rollback-20260304-050607");
    });

    it("lists the points of a stack, oldest first, with their manifests, and ignores foreign tags", async () => {
        await git.createTag("rollback-20260302-000500", commit, tagMessage(manifest({ createdAt: "2026-03-02T00:05:00Z", commit, validated: false, backup: "backups/b2", stackUpdate: { ordinal: 2, startTime: "2026-03-02T00:00:00.000Z", result: "succeeded", kind: "update" } })));
        await git.createTag("rollback-20260301-000500", commit, tagMessage(manifest({ createdAt: "2026-03-01T00:05:00Z", commit, backup: "backups/b1", stackUpdate: { ordinal: 1, startTime: "2026-03-01T00:00:00.000Z", result: "succeeded", kind: "update" } })));
        await git.createTag("rollback-20260301-000600", commit, tagMessage(manifest({ stack: "staging-laptop", createdAt: "2026-03-01T00:06:00Z" })));
        await git.createTag("rollback-by-hand", commit, "not a manifest");
        const points = await listPoints(git, "production");
        assert.deepStrictEqual(points.map((p) => p.tag), ["rollback-20260301-000500", "rollback-20260302-000500"]);
        assert.strictEqual(points[0].manifest.commit, commit);
        await assert.rejects(git.createTag("rollback-20260301-000500", commit, "again"), /already exists/, "a point is never rewritten");
    });

    it("matches each point to its stack update by start time and checks its backup on disk", async () => {
        fs.mkdirSync(path.join(repo, "backups/b1"), { recursive: true });
        fs.writeFileSync(path.join(repo, "backups/b1/manifest.json"), "{}");
        const statuses = describePoints(await listPoints(git, "production"), HISTORY, repo);
        assert.deepStrictEqual(statuses.map((s) => s.update?.ordinal), [1, 2]);
        assert.deepStrictEqual(statuses.map((s) => s.backupPresent), [true, false]);
        const table = formatPoints(statuses);
        assert.match(table, /rollback-20260301-000500 .* yes .* #1 2026-03-01T00:00:00.000Z .* present/);
        assert.match(table, /rollback-20260302-000500 .* no .* MISSING/);
    });

    it("finds a point's restic backup in the repository's list, not on disk", () => {
        assert.strictEqual(backupPresent(repo, "restic:b-20260301T000000Z", new Set(["b-20260301T000000Z"])), true);
        assert.strictEqual(backupPresent(repo, "restic:b-20260301T000000Z", new Set(["b-other"])), false);
        assert.strictEqual(backupPresent(repo, undefined, new Set(["b-20260301T000000Z"])), false);
    });

    it("says 'not in history' when the update is gone from the history", async () => {
        const statuses = describePoints(await listPoints(git, "production"), HISTORY.slice(0, 2), repo);
        assert.strictEqual(statuses[0].update, undefined);
        assert.match(formatPoints(statuses), /not in history/);
    });

    it("--emergency picks the newest validated point that has a deployed state", async () => {
        const points = await listPoints(git, "production");
        assert.strictEqual(lastGoodPoint(points)?.tag, "rollback-20260301-000500");
        assert.strictEqual(lastGoodPoint([]), undefined);
    });

    it("the current update is the newest succeeded one, numbered from the oldest", () => {
        assert.deepStrictEqual(currentUpdate(HISTORY), { ordinal: 2, startTime: "2026-03-02T00:00:00.000Z", endTime: undefined, result: "succeeded", kind: "update" });
        assert.strictEqual(currentUpdate([]), undefined);
    });
});
