// Everything promote and rollback do to the outside world, behind one interface: the engine, the
// Docker-side checks, backups, git and the prompt. The real implementation wires the modules;
// unit tests pass a fake and drive every failure point.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as readline from "readline";
import { Service } from "../../config/schema";
import { resticBackupIdOf, resticBackupRef } from "../../model/backup";
import { BackupDeps, findBackup, restoreFromBackup, takeBackup } from "../backup/backups";
import { restoreBackup } from "../backup/legacy";
import { Engine, OpenOptions, StackEngine } from "./engine";
import { Git } from "../release/git";
import { checkHealth, HealthReport } from "../checks/health";
import { Logger } from "../../platform/log";
import { DockerClient } from "../../platform/dockerClient";
import { KNOWN_HOSTS_ENV } from "../../platform/ssh";
import { HttpProbe, probeFromStackHost } from "../checks/http";
import { StackUpdateRef } from "../release/rollbackPoints";
import { Target, targetFromOutputs, targetSecrets } from "./target";
import { listedContainers, ORPHAN_LISTING_FORMAT, orphanContainers } from "./repair";
import { STACK_LABEL } from "../../model/names";
import { runWorkflowTests, WorkflowReport } from "../checks/workflows";

export interface Checkout {
    dir: string;
    dispose(): Promise<void>;
}

export interface Operations {
    readonly projectRoot: string;
    readonly git: Git;
    openStack(name: string, workDir?: string, options?: OpenOptions): Promise<StackEngine>;
    targetOf(stack: StackEngine): Promise<Target>;
    health(target: Target): Promise<HealthReport>;
    /** Polls health until every check passes in STABLE_HEALTH_ROUNDS rounds in a row, or the timeout ends; returns the last report. */
    waitHealthy(target: Target, timeoutMs: number): Promise<HealthReport>;
    workflowTests(target: Target, allowWrites: boolean): Promise<WorkflowReport>;
    /** A restic backup of the target's data for a promotion, tagged with its rollback point; returns its ref. */
    backup(target: Target, point: string, stackUpdate?: StackUpdateRef): Promise<{ ref: string }>;
    /** Restores services' data from a backup ref: `restic:<id>`, or an older backups/ folder. */
    restore(target: Target, ref: string, services: readonly Service[]): Promise<void>;
    readConfigFile(stack: string): string;
    writeConfigFile(stack: string, text: string): void;
    /** A checkout of a commit in a temp folder with the given stack config, ready for `pulumi up`. */
    prepareCheckout(commit: string, stack: string, configText: string): Promise<Checkout>;
    /** The images not on the engine at `dockerHost` (undefined: the ambient one). */
    missingImages(images: string[], dockerHost?: string, knownHosts?: string): Promise<string[]>;
    /** Removes the stack's containers on the engine at `dockerHost` that its state does not record (cli/stacks/repair.ts); returns their names. */
    removeOrphanContainers(stack: string, inState: string[], dockerHost?: string, knownHosts?: string): Promise<string[]>;
    confirm(question: string): Promise<boolean>;
    now(): Date;
}

/** Consecutive healthy rounds waitHealthy asks for before it calls a target healthy. */
export const STABLE_HEALTH_ROUNDS = 2;

export interface RealOperationsDeps {
    projectRoot: string;
    engine: Engine;
    git: Git;
    docker: DockerClient;
    http: HttpProbe;
    log: Logger;
    pollIntervalMs?: number;
}

export class RealOperations implements Operations {
    readonly projectRoot: string;
    readonly git: Git;

    constructor(private readonly deps: RealOperationsDeps) {
        this.projectRoot = deps.projectRoot;
        this.git = deps.git;
    }

    openStack(name: string, workDir = this.projectRoot, options: OpenOptions = {}): Promise<StackEngine> {
        return this.deps.engine.open(name, workDir, options);
    }

    async targetOf(stack: StackEngine): Promise<Target> {
        const target = targetFromOutputs(stack.name, await stack.outputs());
        targetSecrets(target).forEach((s) => this.deps.log.addSecret(s));
        return target;
    }

    health(target: Target): Promise<HealthReport> {
        return checkHealth(target, { http: this.httpOf(target), docker: this.dockerOf(target) });
    }

    async waitHealthy(target: Target, timeoutMs: number): Promise<HealthReport> {
        const started = Date.now();
        const deadline = started + timeoutMs;
        let said = "";
        // Healthy twice in a row: an app just (re)started can pass one round and fail the next (n8n's
        // readiness right after a restore did, seconds after a rollback had called production healthy).
        let healthyRounds = 0;
        for (;;) {
            const report = await this.health(target);
            healthyRounds = report.healthy ? healthyRounds + 1 : 0;
            if (healthyRounds >= STABLE_HEALTH_ROUNDS || Date.now() >= deadline) return report;
            // Said when what it waits for changes, so a long wait shows where it is without a line per poll.
            const failing = report.checks.filter((c) => !c.ok).map((c) => `${c.service}: ${c.check}`).join(", ");
            if (failing && failing !== said) this.deps.log.info(`waiting for health (${Math.round((Date.now() - started) / 1000)} s of ${Math.round(timeoutMs / 1000)} s): ${failing}`);
            said = failing;
            await new Promise((r) => setTimeout(r, this.deps.pollIntervalMs ?? 2_000));
        }
    }

    workflowTests(target: Target, allowWrites: boolean): Promise<WorkflowReport> {
        return runWorkflowTests(target, { http: this.httpOf(target), docker: this.dockerOf(target) }, { allowWrites });
    }

    async backup(target: Target, point: string, stackUpdate?: StackUpdateRef): Promise<{ ref: string }> {
        if (!target.backup) {
            throw new Error(`stack '${target.stack}' has no backup repository yet: run \`pulumi up -s ${target.stack}\` once with this version (it creates the repository), then promote again`);
        }
        const manifest = await takeBackup(target, this.backupDeps(target), { reason: "promote", point, stackUpdate });
        return { ref: resticBackupRef(manifest.id) };
    }
    async restore(target: Target, ref: string, services: readonly Service[]): Promise<void> {
        const id = resticBackupIdOf(ref);
        if (id === undefined) {
            await restoreBackup(target, this.dockerOf(target), path.resolve(this.projectRoot, ref), services, (l) => this.deps.log.info(l));
            return;
        }
        const deps = this.backupDeps(target);
        await restoreFromBackup(target, deps, await findBackup(target, deps, id), services);
    }
    /** What the backup operations on `target` need: the Docker client of its engine, the log for progress, the clock. */
    backupDeps(target: Target): BackupDeps {
        return { docker: this.dockerOf(target), say: (l) => this.deps.log.info(l), now: () => this.now() };
    }

    /**
     * HTTP to the target's URLs: from here for a stack on a local engine; for an ssh:// one from a one-off
     * container on its host, where those URLs (bound to its loopback) answer.
     */
    httpOf(target: Target): HttpProbe {
        const host = process.env.PA_DOCKER_HOST || target.dockerHost;
        return host?.startsWith("ssh://") ? probeFromStackHost(this.dockerOf(target), target.images.n8n) : this.deps.http;
    }

    /** The Docker client on the engine the target runs on. */
    dockerOf(target: Target): DockerClient {
        return this.dockerOn(target.dockerHost, target.sshKnownHosts);
    }

    /**
     * The client on `dockerHost` (a stack's pa:dockerHost) with its known_hosts file, unless PA_DOCKER_HOST
     * (PA_SSH_KNOWN_HOSTS) names the engine (the file) as seen from here.
     */
    private dockerOn(dockerHost: string | undefined, knownHosts?: string): DockerClient {
        return this.deps.docker.on(process.env.PA_DOCKER_HOST || dockerHost, process.env[KNOWN_HOSTS_ENV] || knownHosts);
    }
    readConfigFile(stack: string): string {
        return fs.readFileSync(path.join(this.projectRoot, `Pulumi.${stack}.yaml`), "utf8");
    }

    writeConfigFile(stack: string, text: string): void {
        fs.writeFileSync(path.join(this.projectRoot, `Pulumi.${stack}.yaml`), text);
    }

    async prepareCheckout(commit: string, stack: string, configText: string): Promise<Checkout> {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pa-rollback-"));
        const dispose = async () => {
            await this.git.removeWorktree(dir).catch(() => undefined);
            fs.rmSync(dir, { recursive: true, force: true });
        };
        try {
            await this.git.addWorktree(dir, commit);
            // The worktree shares the checkout's installed packages instead of installing its own.
            fs.symlinkSync(path.join(this.projectRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
            fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), configText);
        } catch (error) {
            // Never leave a half-made worktree behind: the caller only disposes what it got.
            await dispose();
            throw error;
        }
        return { dir, dispose };
    }

    async missingImages(images: string[], dockerHost?: string, knownHosts?: string): Promise<string[]> {
        const docker = this.dockerOn(dockerHost, knownHosts);
        const missing: string[] = [];
        for (const image of images) if (!(await docker.imageExists(image))) missing.push(image);
        return missing;
    }

    async removeOrphanContainers(stack: string, inState: string[], dockerHost?: string, knownHosts?: string): Promise<string[]> {
        const docker = this.dockerOn(dockerHost, knownHosts);
        const listed = await docker.run(["ps", "-a", "--no-trunc", "--filter", `label=${STACK_LABEL}=${stack}`, "--format", ORPHAN_LISTING_FORMAT]);
        if (listed.code !== 0) throw new Error(`listing ${stack}'s containers failed: ${listed.stderr.trim()}`);
        const orphans = orphanContainers(stack, listedContainers(listed.stdout), inState);
        for (const orphan of orphans) {
            const removed = await docker.run(["rm", "-f", orphan.id]);
            if (removed.code !== 0) throw new Error(`removing ${orphan.name}, which ${stack}'s state does not record, failed: ${removed.stderr.trim()}`);
        }
        return orphans.map((o) => o.name);
    }

    confirm(question: string): Promise<boolean> {
        if (!process.stdin.isTTY) return Promise.resolve(false);
        const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
        return new Promise((resolve) =>
            rl.question(`${question} [y/N] `, (answer) => {
                rl.close();
                resolve(/^y(es)?$/i.test(answer.trim()));
            }),
        );
    }

    now(): Date {
        return new Date();
    }
}
