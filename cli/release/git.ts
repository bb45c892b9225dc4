// The few git operations rollback points need, over the git CLI in the project's checkout.
import { execFile } from "child_process";

export interface TagRecord {
    name: string;
    commit: string;
    message: string;
}

export interface Git {
    head(): Promise<string>;
    /** Creates an annotated tag; fails if it exists (a rollback point is never rewritten). */
    createTag(name: string, commit: string, message: string): Promise<void>;
    listTags(prefix: string): Promise<TagRecord[]>;
    deleteTag(name: string): Promise<void>;
    /** A detached checkout of a commit in another folder, sharing this repository. */
    addWorktree(dir: string, commit: string): Promise<void>;
    removeWorktree(dir: string): Promise<void>;
}

export class GitCli implements Git {
    constructor(private readonly repo: string) {}

    private run(args: string[]): Promise<string> {
        return new Promise((resolve, reject) => {
            execFile("git", ["-C", this.repo, ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
                if (error) reject(new Error(`git ${args[0]} failed: ${stderr.trim() || error.message}`));
                else resolve(stdout);
            });
        });
    }

    async head(): Promise<string> {
        return (await this.run(["rev-parse", "HEAD"])).trim();
    }

    async createTag(name: string, commit: string, message: string): Promise<void> {
        await this.run(["-c", "user.name=pa", "-c", "user.email=pa@localhost", "tag", "-a", name, commit, "-m", message]);
    }

    async listTags(prefix: string): Promise<TagRecord[]> {
        const out = await this.run(["for-each-ref", "--format=%(refname:short)%00%(*objectname)%00%(contents)%1e", `refs/tags/${prefix}*`]);
        return out
            .split("\x1e")
            .map((record) => record.replace(/^\n/, ""))
            .filter((record) => record.includes("\0"))
            .map((record) => {
                const [name, commit, message] = record.split("\0");
                return { name, commit, message };
            });
    }

    async deleteTag(name: string): Promise<void> {
        await this.run(["tag", "-d", name]);
    }

    async addWorktree(dir: string, commit: string): Promise<void> {
        await this.run(["worktree", "add", "--detach", "--force", dir, commit]);
    }

    async removeWorktree(dir: string): Promise<void> {
        await this.run(["worktree", "remove", "--force", dir]);
    }
}
