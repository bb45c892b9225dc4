// The stack's backups with restic, on the stack's own host: take one (databases in their dump's
// snapshot, Neo4j's store under a freeze, the data volumes, then the manifest that marks it complete),
// list them, prove them by a restore drill into scratch containers, restore them without destroying
// first, and apply the retention. One backup is several restic snapshots sharing a `backup=<id>` tag.
import * as crypto from "crypto";
import { OffsiteRepository, Service } from "../../config/schema";
import { BackupReason, backupId, backupTags, resticCacheVolume, tagValues, volumeKey } from "../../model/backup";
import { APP_DATABASES, AppDatabase } from "../../model/databases";
import { SCRATCH_LABEL, STACK_LABEL, namePrefix } from "../../model/names";
import { cypher } from "../checks/databases";
import { DockerClient, ExecResult } from "../../platform/dockerClient";
import { StackUpdateRef } from "../release/rollbackPoints";
import { BackupTarget, Target } from "../stacks/target";
import {
    ResticPlace,
    ResultLine,
    backupScript,
    cleanVolumesScript,
    drillNeo4jStoreScript,
    drillScript,
    installToolsArgs,
    manifestPartArgs,
    offsiteArgs,
    parseResults,
    restoreDatabasesScript,
    restoreVolumesScript,
    resticArgs,
    resticTime,
    runnerArgs,
    scratchLabelArgs,
    swapVolumesScript,
    toolsVolume,
} from "./commands";

export interface BackupDeps {
    docker: DockerClient;
    say: (line: string) => void;
    now: () => Date;
}

export interface VolumeFacts {
    service: Service;
    purpose: string;
    volume: string;
    files: number;
    bytes: number;
}

/** What a backup holds, stored as its last part: the drill and a restore check against it. */
export interface ResticManifest {
    format: 2;
    id: string;
    stack: string;
    createdAt: string;
    reason: BackupReason;
    point?: string;
    images: Record<Service, string>;
    /** The stack update the data belongs to, when the run knew it (promotions and `pa backup now`; the scheduler runs without the state). */
    stackUpdate?: StackUpdateRef;
    /** Row counts per table, taken in the snapshot each dump was made from. */
    databases: Record<string, Record<string, number>>;
    volumes: Record<string, VolumeFacts>;
    /** Neo4j's counts, when they were the same just before and just after the freeze (else null). */
    neo4j: { nodes: number; relationships: number } | null;
    /** How long production's Neo4j was frozen for its store copy. */
    neo4jFrozenSeconds: number;
    /** Bytes this backup added to the repository (after deduplication and compression). */
    bytesAdded: number;
    seconds: number;
}

export interface BackupSummary {
    id: string;
    time: string;
    reason: string;
    point?: string;
    /** The manifest part exists: every part before it was written. */
    complete: boolean;
    parts: Record<string, string>;
    bytesAdded: number;
}

interface Snapshot {
    id: string;
    short_id: string;
    time: string;
    tags?: string[];
    paths: string[];
    summary?: { data_added_packed?: number; data_added?: number };
}

export class BackupError extends Error {}

function settingsOf(target: Target): BackupTarget {
    if (!target.backup) throw new BackupError(`stack '${target.stack}' has no backups: set pa:backup in Pulumi.${target.stack}.yaml (production has them by default) and run pulumi up`);
    return target.backup;
}

function placeOf(target: Target): ResticPlace {
    const b = settingsOf(target);
    return { stack: target.stack, repository: b.repository, cache: resticCacheVolume(target.stack), image: b.image };
}

function secretEnv(target: Target): Record<string, string> {
    return { RESTIC_PASSWORD: settingsOf(target).password, PGPASSWORD: target.credentials.postgresSuperuserPassword ?? "" };
}

/** The data volumes a backup holds: not Postgres (dumped logically) and not logs. */
export function dataVolumes(target: Target): { service: Service; purpose: string; volume: string; key: string }[] {
    const out: { service: Service; purpose: string; volume: string; key: string }[] = [];
    for (const [service, byPurpose] of Object.entries(target.volumes) as [Service, Record<string, string>][]) {
        if (service === "postgres") continue;
        for (const [purpose, volume] of Object.entries(byPurpose ?? {})) if (purpose !== "logs") out.push({ service, purpose, volume, key: volumeKey(service, purpose) });
    }
    return out;
}

async function checked(docker: DockerClient, what: string, args: string[], options: Parameters<DockerClient["run"]>[1] = {}): Promise<ExecResult> {
    const result = await docker.run(args, options);
    if (result.code !== 0) throw new BackupError(`${what} failed (exit ${result.code}${exitHint(result.code)}): ${lastLines(result.stderr)}`);
    return result;
}

/** What an exit code without a message usually means: docker exec's 137 is a SIGKILL (the container's memory limit?), 255 ssh's. */
function exitHint(code: number): string {
    if (code === 137) return ", killed: the container's memory limit, or a stop";
    if (code === 255) return ", the ssh link to the Docker host";
    return "";
}

/** The lines that say what went wrong (restic's Fatal/error lines first), not restic's notices. */
function lastLines(text: string): string {
    const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
    const errors = lines.filter((l) => /fatal|error|failed|no space|denied|not found|does not exist/i.test(l));
    return (errors.length ? errors : lines).slice(-3).join(" | ").slice(0, 600) || "no message on stderr";
}

async function installTools(target: Target, docker: DockerClient): Promise<string> {
    const tools = toolsVolume(target.stack, placeOf(target).image);
    // Labelled with the stack, so whatever removes a stack's things finds them (docker run -v would make them bare).
    for (const volume of [tools, placeOf(target).cache]) await checked(docker, `creating volume ${volume}`, ["volume", "create", "--label", `${STACK_LABEL}=${target.stack}`, volume]);
    await checked(docker, "copying restic into the tools volume", installToolsArgs(placeOf(target), tools));
    return tools;
}

/** Containers and volumes a killed backup run left behind (runs hold the stack's lock, so none is running). */
async function removeLeftovers(target: Target, deps: BackupDeps): Promise<void> {
    const filter = ["--filter", `label=${SCRATCH_LABEL}=backup`, "--filter", `label=${STACK_LABEL}=${target.stack}`];
    const containers = (await deps.docker.run(["ps", "-aq", ...filter])).stdout.split("\n").filter(Boolean);
    await removeQuietly(deps.docker, "container", containers);
    const volumes = (await deps.docker.run(["volume", "ls", "-q", ...filter])).stdout.split("\n").filter(Boolean);
    await removeQuietly(deps.docker, "volume", volumes);
}

async function restic(target: Target, docker: DockerClient, what: string, args: string[], options: { stdin?: string; repo?: OffsiteRepository } = {}): Promise<string> {
    const place = options.repo ? offsitePlace(target, options.repo) : placeOf(target);
    const env = options.repo ? offsiteEnv(target, options.repo) : secretEnv(target);
    const result = await checked(docker, options.repo ? `${what} (off-site ${options.repo.name})` : what, resticArgs(place, args, { stdin: options.stdin !== undefined }), { env, stdin: options.stdin });
    return result.stdout;
}

/** An off-site repository as a place restic runs against: reached over the stack's front network. */
function offsitePlace(target: Target, repo: OffsiteRepository): ResticPlace {
    return { ...placeOf(target), remote: { network: settingsOf(target).offsiteNetwork ?? "bridge", env: Object.keys(repo.env) } };
}

/** An off-site repository's env: the same password as the stack's (one key), its URL and credentials. */
function offsiteEnv(target: Target, repo: OffsiteRepository): Record<string, string> {
    const password = settingsOf(target).password;
    return { ...repo.env, RESTIC_PASSWORD: password, RESTIC_FROM_PASSWORD: password, RESTIC_REPOSITORY: repo.url };
}

/** The off-site repository a name picks; the error lists the configured ones. */
export function offsiteRepository(target: Target, name: string): OffsiteRepository {
    const list = settingsOf(target).offsite ?? [];
    const repo = list.find((o) => o.name === name);
    if (!repo) throw new BackupError(`stack '${target.stack}' has no off-site repository '${name}' (${list.length ? `configured: ${list.map((o) => o.name).join(", ")}` : "none configured: pa:backup.offsite"})`);
    return repo;
}

/** How long the first question to an off-site repository may take before it counts as unreachable. */
const OFFSITE_PROBE_SECONDS = 45;
/** How long listing an off-site repository's snapshots may take. */
const OFFSITE_LIST_SECONDS = 300;

export interface OffsiteCopy {
    name: string;
    ok: boolean;
    detail: string;
    seconds: number;
}

/**
 * Copies every backup of the stack the off-site repositories do not hold yet (`restic copy` skips what
 * it copied before), creating a repository on first use with the stack's chunker parameters so the copies
 * deduplicate as well as the original. Runs on the stack's host; one failing repository does not stop the others.
 */
export async function copyToOffsite(target: Target, deps: BackupDeps): Promise<OffsiteCopy[]> {
    const results: OffsiteCopy[] = [];
    for (const repo of settingsOf(target).offsite ?? []) {
        const started = Date.now();
        const place = offsitePlace(target, repo);
        const env = offsiteEnv(target, repo);
        const done = (ok: boolean, detail: string) => {
            results.push({ name: repo.name, ok, detail, seconds: Math.round((Date.now() - started) / 100) / 10 });
            deps.say(`off-site ${repo.name}: ${ok ? "" : "FAILED: "}${detail}`);
        };
        const config = await deps.docker.run(resticArgs(place, ["cat", "config"], { deadlineSeconds: OFFSITE_PROBE_SECONDS }), { env });
        if (config.code !== 0) {
            // restic's "Is there a repository" hint follows network errors too: those first.
            const unreachable = config.code === 124 || /dial tcp|no such host|connection refused|i\/o timeout|tls:|certificate|401|403|unauthorized/i.test(config.stderr);
            if (unreachable || !/Is there a repository|does not exist|no such file/i.test(config.stderr)) {
                const why = config.code === 124 ? `no answer within ${OFFSITE_PROBE_SECONDS} s` : lastLines(config.stderr);
                done(false, `cannot reach the repository: ${why}`);
                continue;
            }
            deps.say(`off-site ${repo.name}: creating the repository`);
            const init = await deps.docker.run(offsiteArgs(place, placeOf(target), ["init", "--copy-chunker-params"]), { env });
            if (init.code !== 0) {
                done(false, `creating the repository failed: ${lastLines(init.stderr)}`);
                continue;
            }
        }
        const copy = await deps.docker.run(offsiteArgs(place, placeOf(target), ["copy", "--tag", `stack=${target.stack}`]), { env, timeoutMs: 24 * 3600_000 });
        if (copy.code !== 0) done(false, `restic copy failed: ${lastLines(copy.stderr)}`);
        else done(true, `${(copy.stdout.match(/^snapshot \S+ saved/gm) ?? []).length} snapshot(s) copied`);
    }
    return results;
}

/** Neo4j's node and relationship counts, or undefined when it does not answer. */
async function graphCounts(target: Target, docker: DockerClient): Promise<{ nodes: number; relationships: number } | undefined> {
    const result = await cypher(docker, target.containers.neo4j, ["MATCH (n) RETURN count(n)", "MATCH ()-[r]->() RETURN count(r)"]);
    if (!result.ok) return undefined;
    const rows = JSON.parse(result.output) as number[][][];
    return { nodes: Number(rows[0][0][0]), relationships: Number(rows[1][0][0]) };
}

/** Thaws a Neo4j a killed backup or sync left frozen; says so. */
async function thawIfFrozen(target: Target, deps: BackupDeps): Promise<void> {
    const state = await deps.docker.run(["inspect", "-f", "{{.State.Paused}}", target.containers.neo4j]);
    if (state.code === 0 && state.stdout.trim() === "true") {
        await checked(deps.docker, "thawing Neo4j", ["unpause", target.containers.neo4j]);
        deps.say(`backup: ${target.containers.neo4j} was left frozen by an interrupted run; thawed it`);
    }
}

/**
 * Copies Neo4j's store into a scratch volume under a freeze (`docker pause`, as the sync does): the
 * copy is crash-consistent and the freeze lasts the copy alone. The copier is started before the
 * freeze; the thaw runs whatever happens.
 */
async function copyNeo4jStore(target: Target, deps: BackupDeps, scratch: string, copier: string): Promise<number> {
    const store = target.volumes.neo4j?.data;
    if (!store) throw new BackupError(`stack '${target.stack}' lists no Neo4j data volume`);
    await checked(deps.docker, "starting the store copier", ["run", "-d", "--name", copier, ...scratchLabelArgs(target.stack, "backup"), "--network", "none", "-v", `${store}:/from:ro`, "-v", `${scratch}:/to`, "--entrypoint", "sleep", target.images.postgres, "infinity"]);
    const running = (await deps.docker.inspect(target.containers.neo4j))?.status === "running";
    const frozenAt = Date.now();
    if (running) await freeze(deps.docker, target.containers.neo4j);
    try {
        await checked(deps.docker, "copying Neo4j's store", ["exec", copier, "cp", "-a", "/from/.", "/to/"]);
    } finally {
        if (running) await checked(deps.docker, "thawing Neo4j", ["unpause", target.containers.neo4j]);
    }
    return (Date.now() - frozenAt) / 1000;
}

/** `docker pause`, tried again when the cgroup freezer times out on a busy container (it then leaves it running). */
async function freeze(docker: DockerClient, container: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
        const result = await docker.run(["pause", container]);
        if (result.code === 0) return;
        if (attempt === 5 || !/unable to freeze/i.test(result.stderr)) throw new BackupError(`freezing Neo4j failed: ${lastLines(result.stderr)}`);
        await new Promise((r) => setTimeout(r, 1000));
    }
}

async function removeQuietly(docker: DockerClient, kind: "container" | "volume", names: string[]): Promise<void> {
    if (names.length === 0) return;
    // -v: the anonymous volumes of the images (a scratch Postgres's data) go with their container.
    await docker.run(kind === "container" ? ["rm", "-f", "-v", ...names] : ["volume", "rm", "-f", ...names]);
}

export interface TakeOptions {
    reason: BackupReason;
    /** The rollback point this backup belongs to. */
    point?: string;
    /** The stack's newest successful update, recorded in the manifest. */
    stackUpdate?: StackUpdateRef;
}

/** Takes one backup of the stack's data; returns its manifest once every part and the manifest are stored. */
export async function takeBackup(target: Target, deps: BackupDeps, options: TakeOptions): Promise<ResticManifest> {
    const started = deps.now();
    const id = backupId(started);
    const tags = backupTags(target.stack, id, options.reason, options.point);
    const host = namePrefix(target.stack);
    const prefix = `${namePrefix(target.stack)}-backup-${id.toLowerCase()}`;
    const scratch = `${prefix}-neo4j`;
    const copier = `${prefix}-copier`;
    const runner = `${prefix}-runner`;
    deps.say(`backup ${id} of ${target.stack} (${options.reason}) starts`);
    await thawIfFrozen(target, deps);
    await removeLeftovers(target, deps);
    try {
        // Independent preparations side by side: each docker call costs a fraction of a second.
        const [tools, before] = await Promise.all([
            installTools(target, deps.docker),
            graphCounts(target, deps.docker),
            checked(deps.docker, "creating the scratch volume", ["volume", "create", ...scratchLabelArgs(target.stack, "backup"), scratch]),
        ]);
        const frozenSeconds = await copyNeo4jStore(target, deps, scratch, copier);
        // Counted again while the parts are stored: equal counts before and after the freeze are the copy's.
        const afterCounts = graphCounts(target, deps.docker);
        deps.say(`backup: Neo4j frozen ${frozenSeconds.toFixed(1)} s for its store copy`);
        const volumes = dataVolumes(target);
        const mounts = volumes.map((v) => (v.service === "neo4j" && v.purpose === "data" ? `${scratch}:/volumes/${v.key}:ro` : `${v.volume}:/volumes/${v.key}:ro`));
        deps.say(`backup: databases ${APP_DATABASES.map((d) => d.name).join(", ")} and volumes ${volumes.map((v) => v.key).join(", ")} into restic`);
        const result = await checked(
            deps.docker,
            "the backup run",
            runnerArgs({
                place: placeOf(target),
                tools,
                postgresImage: target.images.postgres,
                network: `container:${target.containers.postgres}`,
                mounts,
                name: runner,
                script: backupScript(),
                args: [tags.join(","), host, resticTime(started), ...APP_DATABASES.map((d) => d.name)],
            }),
            { env: secretEnv(target), onStdout: progress(deps.say) },
        );
        const lines = parseResults(result.stdout);
        const after = await afterCounts;
        const manifest: ResticManifest = {
            format: 2,
            id,
            stack: target.stack,
            createdAt: started.toISOString(),
            reason: options.reason,
            point: options.point,
            images: target.images,
            stackUpdate: options.stackUpdate,
            databases: rowsByDatabase(lines),
            volumes: Object.fromEntries(
                volumes.map((v) => {
                    const tally = lines.find((l): l is Extract<ResultLine, { kind: "volume" }> => l.kind === "volume" && l.key === v.key);
                    return [v.key, { service: v.service, purpose: v.purpose, volume: v.volume, files: tally?.files ?? 0, bytes: tally?.bytes ?? 0 }];
                }),
            ),
            neo4j: before && after && before.nodes === after.nodes && before.relationships === after.relationships ? before : null,
            neo4jFrozenSeconds: Math.round(frozenSeconds * 10) / 10,
            bytesAdded: lines.reduce((sum, l) => sum + (l.kind === "snapshot" ? l.summary.data_added_packed ?? l.summary.data_added ?? 0 : 0), 0),
            seconds: Math.round((deps.now().getTime() - started.getTime()) / 100) / 10,
        };
        for (const db of APP_DATABASES) {
            if (!manifest.databases[db.name]) throw new BackupError(`the backup run reported no row counts for ${db.name}`);
        }
        await checked(deps.docker, "storing the manifest", manifestPartArgs(placeOf(target), tags, host, started), { env: secretEnv(target), stdin: JSON.stringify(manifest, null, 2) });
        deps.say(`backup ${id} complete in ${manifest.seconds} s: ${formatBytes(manifest.bytesAdded)} added to the repository`);
        return manifest;
    } finally {
        await removeQuietly(deps.docker, "container", [copier, runner]);
        await removeQuietly(deps.docker, "volume", [scratch]);
    }
}

/** Says each part as restic stores it; stdout arrives in chunks that may split a line. */
function progress(say: (line: string) => void): (chunk: string) => void {
    let pending = "";
    return (chunk) => {
        pending += chunk;
        const end = pending.lastIndexOf("\n");
        if (end < 0) return;
        const complete = pending.slice(0, end + 1);
        pending = pending.slice(end + 1);
        for (const line of parseResults(complete)) {
            if (line.kind === "space") {
                const fits = line.freeKiB >= line.dataKiB;
                say(`backup: ${formatBytes(line.freeKiB * 1024)} free on the repository's disk for ${formatBytes(line.dataKiB * 1024)} of data${fits ? "" : " (WARNING: fits only if less than that changed since the last backup; restic stores new data alone, compressed)"}`);
            }
            if (line.kind === "snapshot") say(`backup: ${line.part} stored (${formatBytes(line.summary.data_added_packed ?? line.summary.data_added ?? 0)} new)`);
        }
    };
}

export function formatBytes(n: number): string {
    if (n < 1024) return `${n} B`;
    const units = ["KiB", "MiB", "GiB", "TiB"];
    let value = n / 1024;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit++;
    }
    return `${value.toFixed(1)} ${units[unit]}`;
}

function rowsByDatabase(lines: ResultLine[]): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const l of lines) if (l.kind === "rows") (out[l.database] ??= {})[l.table] = l.rows;
    return out;
}

/** Every snapshot of the stack in its repository, or an off-site one (none when the repository does not exist yet). */
async function stackSnapshots(target: Target, deps: BackupDeps, repo?: OffsiteRepository): Promise<Snapshot[]> {
    if (repo) {
        const result = await deps.docker.run(resticArgs(offsitePlace(target, repo), ["snapshots", "--json", "--no-lock", "--tag", `stack=${target.stack}`], { deadlineSeconds: OFFSITE_LIST_SECONDS }), { env: offsiteEnv(target, repo) });
        if (result.code !== 0 && /Is there a repository|does not exist/i.test(result.stderr)) return [];
        if (result.code === 124) throw new BackupError(`listing the snapshots (off-site ${repo.name}): no answer within ${OFFSITE_LIST_SECONDS} s`);
        if (result.code !== 0) throw new BackupError(`listing the snapshots (off-site ${repo.name}) failed: ${lastLines(result.stderr)}`);
        return JSON.parse(result.stdout) as Snapshot[];
    }
    const place = placeOf(target);
    const probe = await deps.docker.run(["run", "--rm", ...scratchLabelArgs(target.stack, "backup"), "--network", "none", "-v", `${place.repository}:/repo:ro`, "--entrypoint", "sh", place.image, "-c", "test -f /repo/config"]);
    if (probe.code !== 0) return [];
    return JSON.parse(await restic(target, deps.docker, "listing the snapshots", ["snapshots", "--json", "--no-lock", "--tag", `stack=${target.stack}`])) as Snapshot[];
}

/** Every backup of the stack in the repository (or an off-site one), oldest first, with its parts. */
export async function listBackups(target: Target, deps: BackupDeps, repo?: OffsiteRepository): Promise<BackupSummary[]> {
    return backupsOf(await stackSnapshots(target, deps, repo));
}

function backupsOf(snapshots: Snapshot[]): BackupSummary[] {
    const byId = new Map<string, BackupSummary>();
    for (const s of snapshots) {
        const tags = tagValues(s.tags);
        if (!tags.backup) continue;
        const entry = byId.get(tags.backup) ?? { id: tags.backup, time: s.time, reason: tags.reason ?? "?", point: tags.point, complete: false, parts: {}, bytesAdded: 0 };
        entry.parts[tags.part ?? "?"] = s.id;
        if (tags.part === "manifest") entry.complete = true;
        if (s.time < entry.time) entry.time = s.time;
        entry.bytesAdded += s.summary?.data_added_packed ?? s.summary?.data_added ?? 0;
        byId.set(tags.backup, entry);
    }
    return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** The backup a ref names (`latest`, an id, or a unique prefix of one), complete ones only. */
export async function findBackup(target: Target, deps: BackupDeps, ref: string): Promise<BackupSummary> {
    const complete = (await listBackups(target, deps)).filter((b) => b.complete);
    if (complete.length === 0) throw new BackupError(`stack '${target.stack}' has no complete backup yet: take one with \`pa backup now\``);
    if (ref === "latest") return complete[complete.length - 1];
    const matches = complete.filter((b) => b.id === ref || b.id.startsWith(ref));
    if (matches.length !== 1) throw new BackupError(`${matches.length === 0 ? "no" : "more than one"} complete backup of '${target.stack}' matches '${ref}': see \`pa backup list\``);
    return matches[0];
}

export async function readManifest(target: Target, deps: BackupDeps, backup: BackupSummary): Promise<ResticManifest> {
    const text = await restic(target, deps.docker, `reading the manifest of ${backup.id}`, ["dump", "--no-lock", backup.parts.manifest, "/manifest.json"]);
    return JSON.parse(text) as ResticManifest;
}

export interface Finding {
    what: string;
    ok: boolean;
    detail: string;
}

export interface VerifyReport {
    ok: boolean;
    backup: string;
    check: { ok: boolean; readPercent: number; detail: string };
    drill: Finding[];
    seconds: number;
}

/**
 * Proves a backup: `restic check --read-data-subset` reads part of the repository back, then the
 * restore drill restores the backup into scratch Postgres and Neo4j containers (production untouched)
 * and compares every table's rows, Letta's extension and search_path, Neo4j's counts and each
 * volume's files and bytes with the manifest. Scratch containers and volumes are removed afterwards.
 */
export async function verifyBackup(target: Target, deps: BackupDeps, ref: string, readPercent: number): Promise<VerifyReport> {
    const started = deps.now().getTime();
    const backup = await findBackup(target, deps, ref);
    deps.say(`verify ${backup.id}: restic check, reading ${readPercent}% of the data back`);
    const check = await deps.docker.run(resticArgs(placeOf(target), ["check", "--read-data-subset", `${readPercent}%`]), { env: secretEnv(target) });
    const checkResult = { ok: check.code === 0, readPercent, detail: check.code === 0 ? "no errors were found" : lastLines(`${check.stdout}\n${check.stderr}`) };
    if (!checkResult.ok) deps.say(`verify: restic check FAILED: ${checkResult.detail}`);
    const manifest = await readManifest(target, deps, backup);
    const drill = await restoreDrill(target, deps, backup, manifest);
    drill.push(...(await verifyOffsite(target, deps, backup, readPercent)));
    const ok = checkResult.ok && drill.every((f) => f.ok);
    return { ok, backup: backup.id, check: checkResult, drill, seconds: Math.round((deps.now().getTime() - started) / 100) / 10 };
}

/** Each off-site repository holds the backup whole and passes its own `restic check`. */
export async function verifyOffsite(target: Target, deps: BackupDeps, backup: BackupSummary, readPercent: number): Promise<Finding[]> {
    const findings: Finding[] = [];
    for (const repo of settingsOf(target).offsite ?? []) {
        deps.say(`verify: off-site ${repo.name}`);
        try {
            const copy = (await listBackups(target, deps, repo)).find((b) => b.id === backup.id);
            const parts = Object.keys(backup.parts).sort().join(",");
            findings.push({ what: `off-site ${repo.name}: holds ${backup.id} whole`, ok: copy?.complete === true && Object.keys(copy.parts).sort().join(",") === parts, detail: copy ? `parts ${Object.keys(copy.parts).sort().join(", ")}` : "not copied yet (the next backup copies it)" });
            await restic(target, deps.docker, "restic check", ["check", "--read-data-subset", `${readPercent}%`], { repo });
            findings.push({ what: `off-site ${repo.name}: restic check, ${readPercent}% read back`, ok: true, detail: "no errors were found" });
        } catch (error) {
            findings.push({ what: `off-site ${repo.name}`, ok: false, detail: (error as Error).message });
        }
    }
    return findings;
}

async function restoreDrill(target: Target, deps: BackupDeps, backup: BackupSummary, manifest: ResticManifest): Promise<Finding[]> {
    const prefix = `${namePrefix(target.stack)}-drill-${backup.id.toLowerCase()}`;
    const pg = `${prefix}-postgres`;
    const neo4j = `${prefix}-neo4j`;
    const files = `${prefix}-files`;
    const graph = `${prefix}-graph`;
    const network = `${prefix}-net`;
    const place = placeOf(target);
    const tools = await installTools(target, deps.docker);
    const findings: Finding[] = [];
    try {
        deps.say("drill: scratch Postgres starts");
        for (const volume of [files, graph]) await checked(deps.docker, "creating a scratch volume", ["volume", "create", ...scratchLabelArgs(target.stack, "drill"), volume]);
        await checked(deps.docker, "starting the scratch Postgres", [
            "run", "-d", "--name", pg, ...scratchLabelArgs(target.stack, "drill"), "--network", "none", "-e", "POSTGRES_PASSWORD", "-e", "PGUSER=postgres",
            "-e", "RESTIC_PASSWORD", "-e", "RESTIC_REPOSITORY=/repo", "-e", `RESTIC_CACHE_DIR=/cache`,
            "-v", `${place.repository}:/repo`, "-v", `${place.cache}:/cache`, "-v", `${tools}:/pa-tools:ro`, "-v", `${files}:/restore`, "-v", `${graph}:/neo4j`,
            target.images.postgres,
        ], { env: { POSTGRES_PASSWORD: scratchPassword(), RESTIC_PASSWORD: settingsOf(target).password } });
        await waitUntil(async () => (await deps.docker.exec(pg, ["pg_isready", "-h", "localhost", "-U", "postgres"])).code === 0, 120_000, "the scratch Postgres to accept connections");
        // The entrypoint restarts the server once after its init: wait for the final one.
        await waitUntil(async () => (await deps.docker.exec(pg, ["sh", "-c", "psql -X -At -h localhost -U postgres -c 'select 1' && test -f /var/lib/postgresql/data/postmaster.pid"])).code === 0, 120_000, "the scratch Postgres");
        const dbArgs = APP_DATABASES.flatMap((d) => [d.name, backup.parts[`postgres:${d.name}`] ?? "missing"]);
        deps.say("drill: restoring the databases and volumes into scratch containers");
        const run = await deps.docker.exec(pg, ["sh", "-c", drillScript(), "sh", backup.parts.globals ?? "missing", backup.parts.volumes ?? "-", ...dbArgs], { timeoutMs: 6 * 3600_000 });
        if (run.code !== 0) findings.push({ what: "restore into scratch containers", ok: false, detail: lastLines(run.stderr) });
        const lines = parseResults(run.stdout);
        findings.push(...compareDatabases(manifest, lines));
        findings.push(...compareVolumes(manifest, lines));
        const store = Object.entries(manifest.volumes).find(([, v]) => v.service === "neo4j" && v.purpose === "data");
        if (store && run.code === 0) findings.push(await drillNeo4j(target, deps, { pg, neo4j, network, graph, key: store[0], manifest }));
    } finally {
        await removeQuietly(deps.docker, "container", [pg, neo4j]);
        await removeQuietly(deps.docker, "volume", [files, graph]);
        await deps.docker.run(["network", "rm", network]);
    }
    for (const f of findings) if (!f.ok) deps.say(`drill: FAILED ${f.what}: ${f.detail}`);
    return findings;
}

async function drillNeo4j(target: Target, deps: BackupDeps, o: { pg: string; neo4j: string; network: string; graph: string; key: string; manifest: ResticManifest }): Promise<Finding> {
    const what = "neo4j: the restored store opens with the manifest's counts";
    const moved = await deps.docker.exec(o.pg, ["sh", "-c", drillNeo4jStoreScript(), "sh", o.key], { timeoutMs: 3600_000 });
    if (moved.code !== 0) return { what, ok: false, detail: lastLines(moved.stderr) };
    deps.say("drill: scratch Neo4j starts on the restored store");
    const password = target.credentials.neo4jPassword ?? "";
    // Neo4j refuses to start without a network (its advertised address does not resolve): an internal one, no way out.
    await checked(deps.docker, "creating the drill's network", ["network", "create", "--internal", ...scratchLabelArgs(target.stack, "drill"), o.network]);
    await checked(deps.docker, "starting the scratch Neo4j", [
        "run", "-d", "--name", o.neo4j, ...scratchLabelArgs(target.stack, "drill"), "--network", o.network, "-e", "NEO4J_AUTH",
        "-e", "NEO4J_server_memory_heap_max__size=512m", "-e", "NEO4J_server_memory_pagecache_size=128m",
        "-v", `${o.graph}:/data`, target.images.neo4j,
    ], { env: { NEO4J_AUTH: `neo4j/${password}` } });
    let counts: { nodes: number; relationships: number } | undefined;
    try {
        await waitUntil(async () => {
            if ((await deps.docker.inspect(o.neo4j))?.status === "exited") throw new BackupError("the scratch Neo4j exited");
            counts = await graphCounts({ ...target, containers: { ...target.containers, neo4j: o.neo4j } }, deps.docker);
            return counts !== undefined;
        }, 300_000, "the scratch Neo4j to answer");
    } catch (error) {
        const log = (await deps.docker.logs(o.neo4j, 15)).split("\n").map((l) => l.trim()).filter(Boolean).join(" | ");
        return { what, ok: false, detail: `${(error as Error).message}; its log ends: ${log.slice(-1500)}` };
    }
    const got = counts!;
    if (!o.manifest.neo4j) return { what: "neo4j: the restored store opens", ok: true, detail: `${got.nodes} nodes, ${got.relationships} relationships (the graph changed during the backup: no counts to compare)` };
    const ok = got.nodes === o.manifest.neo4j.nodes && got.relationships === o.manifest.neo4j.relationships;
    return { what, ok, detail: `${got.nodes}/${o.manifest.neo4j.nodes} nodes, ${got.relationships}/${o.manifest.neo4j.relationships} relationships` };
}

function compareDatabases(manifest: ResticManifest, lines: ResultLine[], source = "restored"): Finding[] {
    const restored = rowsByDatabase(lines);
    const findings: Finding[] = [];
    for (const [db, tables] of Object.entries(manifest.databases)) {
        const got = restored[db] ?? {};
        const wrong = Object.entries(tables).filter(([t, n]) => got[t] !== n).map(([t, n]) => `${t}: ${got[t] ?? "missing"} of ${n}`);
        const extra = Object.keys(got).filter((t) => !(t in tables));
        const total = Object.values(tables).reduce((a, b) => a + b, 0);
        findings.push({
            what: `postgres ${db}: every table's rows`,
            ok: wrong.length === 0 && extra.length === 0,
            detail: wrong.length || extra.length ? [...wrong, ...extra.map((t) => `${t}: not in the manifest`)].slice(0, 5).join("; ") : `${Object.keys(tables).length} tables, ${total} rows ${source}`,
        });
    }
    for (const db of APP_DATABASES) {
        const checks = layoutFindings(db, lines);
        findings.push(...checks);
    }
    return findings;
}

/** Letta's vector extension in its own schema and its search_path came back (drill only). */
function layoutFindings(db: AppDatabase, lines: ResultLine[]): Finding[] {
    const ext = lines.find((l): l is Extract<ResultLine, { kind: "extensions" }> => l.kind === "extensions" && l.database === db.name);
    const set = lines.find((l): l is Extract<ResultLine, { kind: "settings" }> => l.kind === "settings" && l.database === db.name);
    if (!ext && !set) return [];
    const out: Finding[] = [];
    if (db.needsVector) {
        const vector = ext?.extensions.find(([name]) => name === "vector");
        out.push({ what: `postgres ${db.name}: vector extension`, ok: vector?.[1] === db.schema, detail: vector ? `in schema ${vector[1]}` : "missing" });
    }
    if (db.schema !== "public") {
        const ok = (set?.settings ?? "").includes(`search_path=${db.schema}`);
        out.push({ what: `postgres ${db.name}: search_path`, ok, detail: set?.settings || "not set" });
    }
    return out;
}

function compareVolumes(manifest: ResticManifest, lines: ResultLine[], keys = Object.keys(manifest.volumes)): Finding[] {
    return keys.map((key) => {
        const want = manifest.volumes[key];
        const got = lines.find((l): l is Extract<ResultLine, { kind: "volume" }> => l.kind === "volume" && l.key === key);
        const ok = got !== undefined && got.files === want.files && got.bytes === want.bytes;
        return { what: `volume ${key}: files and bytes`, ok, detail: `${got?.files ?? 0}/${want.files} files, ${got?.bytes ?? 0}/${want.bytes} bytes` };
    });
}

function scratchPassword(): string {
    return crypto.randomBytes(18).toString("base64url");
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        try {
            if (await condition()) return;
        } catch (error) {
            if (error instanceof BackupError) throw error; // given up on, not "not yet"
        }
        if (Date.now() > deadline) throw new BackupError(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 500));
    }
}

export interface RestoreReport {
    backup: string;
    databases: string[];
    volumes: string[];
    findings: Finding[];
}

/** The databases and volumes of a backup that a restore of `services` replaces (`postgres` = every database). */
/** What a restore replaces: databases, and volumes by their key in the backup. */
export interface RestorePlan {
    databases: AppDatabase[];
    volumes: string[];
}

export function restorePlan(manifest: ResticManifest, services: readonly Service[]): RestorePlan {
    const databases = APP_DATABASES.filter((d) => manifest.databases[d.name] && (services.includes("postgres") || services.includes(d.app)));
    const volumes = Object.entries(manifest.volumes).filter(([, v]) => services.includes(v.service)).map(([key]) => key);
    return { databases, volumes };
}

/**
 * Restores the chosen services' data from a backup. Nothing live is touched until the copies are
 * restored beside it and match the manifest: databases into `<db>_pa_restore`, volumes into a
 * `.pa-restore-<id>` folder inside each volume. Then the affected containers stop, the copies swap
 * in (databases renamed in one transaction), and the containers start again whatever happened.
 */
export async function restoreFromBackup(target: Target, deps: BackupDeps, backup: BackupSummary, services: readonly Service[]): Promise<RestoreReport> {
    const manifest = await readManifest(target, deps, backup);
    const plan = restorePlan(manifest, services);
    const tools = await installTools(target, deps.docker);
    const place = placeOf(target);
    const byKey = Object.fromEntries(dataVolumes(target).map((v) => [v.key, v.volume]));
    const volumeMounts = plan.volumes.map((key) => {
        if (!byKey[key]) throw new BackupError(`backup ${backup.id} holds volume ${key}, which stack '${target.stack}' no longer has`);
        return `${byKey[key]}:/target/${key}`;
    });
    const runner = (name: string, script: string, args: string[], mounts: string[]) =>
        checked(deps.docker, name, runnerArgs({ place, tools, postgresImage: target.images.postgres, network: `container:${target.containers.postgres}`, mounts, name: `${namePrefix(target.stack)}-restore-${backup.id.toLowerCase()}`, script, args }), { env: secretEnv(target) });
    const findings: Finding[] = [];
    const fail = (what: string) => {
        const bad = findings.filter((f) => !f.ok).map((f) => `${f.what}: ${f.detail}`);
        return new BackupError(`${what}; the live data was not touched. ${bad.join("; ")}`);
    };
    try {
        if (plan.databases.length > 0) {
            deps.say(`restore: databases ${plan.databases.map((d) => d.name).join(", ")} into fresh databases beside the live ones`);
            const args = plan.databases.flatMap((d) => [d.name, backup.parts[`postgres:${d.name}`], d.schema]);
            const result = await runner("restoring the databases", restoreDatabasesScript(), args, []);
            const lines = parseResults(result.stdout);
            const subset = { ...manifest, databases: Object.fromEntries(plan.databases.map((d) => [d.name, manifest.databases[d.name]])) };
            findings.push(...compareDatabases(subset, lines));
        }
        if (plan.volumes.length > 0) {
            deps.say(`restore: volumes ${plan.volumes.join(", ")} into folders beside the live data`);
            const result = await runner("restoring the volumes", restoreVolumesScript(), [backup.id, backup.parts.volumes, ...plan.volumes], volumeMounts);
            findings.push(...compareVolumes(manifest, parseResults(result.stdout), plan.volumes));
        }
        if (findings.some((f) => !f.ok)) throw fail("the restored copies do not match the backup's manifest");
    } catch (error) {
        await dropRestoreLeftovers(target, deps, plan, volumeMounts, runner);
        throw error;
    }
    await swapIn(target, deps, backup.id, plan, volumeMounts, runner);
    return { backup: backup.id, databases: plan.databases.map((d) => d.name), volumes: plan.volumes, findings };
}

type Runner = (name: string, script: string, args: string[], mounts: string[]) => Promise<ExecResult>;

async function dropRestoreLeftovers(target: Target, deps: BackupDeps, plan: RestorePlan, volumeMounts: string[], runner: Runner): Promise<void> {
    for (const db of plan.databases) await psqlIn(target, deps, `DROP DATABASE IF EXISTS "${db.name}_pa_restore" WITH (FORCE);`).catch(() => undefined);
    if (plan.volumes.length) await runner("removing restore folders", cleanVolumesScript(), plan.volumes, volumeMounts).catch(() => undefined);
}

/** A psql run that failed; `silent` when nothing was said on stderr (the process or its transport died, not an SQL error). */
class PsqlError extends BackupError {
    constructor(
        readonly code: number,
        readonly silent: boolean,
        stderr: string,
    ) {
        super(`psql failed (exit ${code}${exitHint(code)}): ${lastLines(stderr)}`);
    }
}

async function psqlIn(target: Target, deps: BackupDeps, sql: string): Promise<string> {
    const result = await deps.docker.exec(target.containers.postgres, ["sh", "-c", 'PGPASSWORD="$POSTGRES_PASSWORD" exec psql -X -q -At -h localhost -U "$POSTGRES_USER" -d postgres -v ON_ERROR_STOP=1'], { stdin: sql, timeoutMs: 600_000 });
    if (result.code !== 0) throw new PsqlError(result.code, result.stderr.trim() === "", result.stderr);
    return result.stdout;
}

/** psql for a statement that may run twice: an exit without a word is tried once more. */
async function psqlAgain(target: Target, deps: BackupDeps, sql: string): Promise<string> {
    try {
        return await psqlIn(target, deps, sql);
    } catch (error) {
        if (!(error instanceof PsqlError && error.silent)) throw error;
        deps.say(`restore: ${error.message}; trying once more`);
        return psqlIn(target, deps, sql);
    }
}

/**
 * Renames the restored databases into place and the live ones to `<db>_pa_previous`, in one transaction,
 * then drops the previous ones. A psql that exits without a word (seen once over an ssh link) may or may
 * not have committed: the catalog says which, and the swap is finished or tried once more accordingly.
 */
export async function swapDatabases(target: Target, deps: BackupDeps, databases: readonly string[]): Promise<void> {
    const names = databases.map((d) => `'${d}'`).join(", ");
    const swap = [
        "BEGIN;",
        `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname IN (${names}) AND pid <> pg_backend_pid();`,
        ...databases.flatMap((d) => [`ALTER DATABASE "${d}" RENAME TO "${d}_pa_previous";`, `ALTER DATABASE "${d}_pa_restore" RENAME TO "${d}";`]),
        "COMMIT;",
    ].join("\n");
    // DROP DATABASE cannot run inside the swap's transaction: a leftover of an earlier restore goes first.
    const dropPrevious = async () => {
        for (const d of databases) await psqlAgain(target, deps, `DROP DATABASE IF EXISTS "${d}_pa_previous" WITH (FORCE);`);
    };
    await dropPrevious();
    try {
        await psqlIn(target, deps, swap);
    } catch (error) {
        if (!(error instanceof PsqlError && error.silent)) throw error;
        const present = new Set((await psqlAgain(target, deps, "SELECT datname FROM pg_database;")).split("\n").map((l) => l.trim()));
        const committed = databases.every((d) => present.has(d) && present.has(`${d}_pa_previous`) && !present.has(`${d}_pa_restore`));
        const untouched = databases.every((d) => present.has(d) && present.has(`${d}_pa_restore`) && !present.has(`${d}_pa_previous`));
        if (committed) deps.say(`restore: ${error.message}, but the swap was committed (the catalog says so)`);
        else if (untouched) {
            deps.say(`restore: ${error.message} before the swap was committed; trying it once more`);
            await psqlIn(target, deps, swap);
        } else throw error;
    }
    await dropPrevious();
}

/** Stops what uses the restored data, swaps the copies in, starts everything again. */
async function swapIn(target: Target, deps: BackupDeps, id: string, plan: RestorePlan, volumeMounts: string[], runner: Runner): Promise<void> {
    const volumeServices = dataVolumes(target).filter((v) => plan.volumes.includes(v.key)).map((v) => v.service);
    const services = [...new Set<Service>([...plan.databases.map((d) => d.app), ...volumeServices])];
    const stopped: string[] = [];
    for (const service of services) {
        const container = target.containers[service];
        if ((await deps.docker.inspect(container))?.status !== "running") continue;
        deps.say(`restore: stopping ${container}`);
        await deps.docker.stop(container);
        stopped.push(container);
    }
    try {
        if (plan.databases.length > 0) {
            await swapDatabases(target, deps, plan.databases.map((d) => d.name));
            deps.say(`restore: databases ${plan.databases.map((d) => d.name).join(", ")} swapped in`);
        }
        if (plan.volumes.length > 0) {
            await runner("swapping the volumes", swapVolumesScript(), [id, ...plan.volumes], volumeMounts);
            deps.say(`restore: volumes ${plan.volumes.join(", ")} swapped in`);
        }
    } finally {
        for (const container of stopped) {
            deps.say(`restore: starting ${container}`);
            await deps.docker.start(container);
        }
    }
}

export interface RetentionReport {
    kept: string[];
    removed: string[];
    /** Rollback points whose backup this run removed: they can no longer restore data. */
    pointsLosingData: string[];
    incompleteRemoved: string[];
    /** The same policy applied to each off-site repository. */
    offsite: { name: string; ok: boolean; detail: string }[];
}

/**
 * Applies the retention to the stack's repository, then to each off-site one: restic's policy
 * (--keep-daily/weekly/monthly, always the newest, and every backup of the given rollback points)
 * decides over the manifests, and each backup goes as a whole; incomplete backups older than a day go
 * too. Then `prune` frees the space. An off-site repository that fails is reported, not thrown.
 */
export async function applyRetention(target: Target, deps: BackupDeps, keepPoints: readonly string[]): Promise<RetentionReport> {
    const report: RetentionReport = { ...(await retainIn(target, deps, keepPoints)), offsite: [] };
    for (const repo of settingsOf(target).offsite ?? []) {
        try {
            const r = await retainIn(target, deps, keepPoints, repo);
            report.offsite.push({ name: repo.name, ok: true, detail: `kept ${r.kept.length}, removed ${r.removed.length + r.incompleteRemoved.length}` });
        } catch (error) {
            report.offsite.push({ name: repo.name, ok: false, detail: (error as Error).message });
            deps.say(`retention: off-site ${repo.name} FAILED: ${(error as Error).message}`);
        }
    }
    return report;
}

async function retainIn(target: Target, deps: BackupDeps, keepPoints: readonly string[], repo?: OffsiteRepository): Promise<Omit<RetentionReport, "offsite">> {
    const b = settingsOf(target);
    const backups = await listBackups(target, deps, repo);
    if (backups.length === 0) return { kept: [], removed: [], pointsLosingData: [], incompleteRemoved: [] };
    const policy = [
        "--keep-last", "1",
        ...(b.keepDaily ? ["--keep-daily", String(b.keepDaily)] : []),
        ...(b.keepWeekly ? ["--keep-weekly", String(b.keepWeekly)] : []),
        ...(b.keepMonthly ? ["--keep-monthly", String(b.keepMonthly)] : []),
        ...keepPoints.flatMap((p) => ["--keep-tag", `point=${p}`]),
    ];
    const run = (what: string, args: string[]) => restic(target, deps.docker, what, args, { repo });
    await run("forgetting old drill records", ["forget", "--tag", `stack=${target.stack},${DRILL_TAG}`, "--keep-last", String(DRILL_RECORDS_KEPT)]);
    const decision = JSON.parse(await run("the retention policy", ["forget", "--json", "--dry-run", "--no-lock", "--tag", `stack=${target.stack},part=manifest`, ...policy])) as { remove: Snapshot[] | null; keep: Snapshot[] | null }[];
    const removedIds = new Set(decision.flatMap((g) => g.remove ?? []).map((s) => tagValues(s.tags).backup).filter(Boolean));
    const dayAgo = deps.now().getTime() - 24 * 3600_000;
    const incomplete = backups.filter((x) => !x.complete && Date.parse(x.time) < dayAgo);
    const doomed = backups.filter((x) => removedIds.has(x.id)).concat(incomplete);
    const snapshotIds = doomed.flatMap((x) => Object.values(x.parts));
    if (snapshotIds.length > 0) {
        deps.say(`retention${repo ? ` (off-site ${repo.name})` : ""}: forgetting ${doomed.length} backup(s): ${doomed.map((x) => x.id).join(", ")}`);
        await run("forgetting old backups", ["forget", ...snapshotIds]);
        await run("pruning the repository", ["prune"]);
    }
    return {
        kept: backups.filter((x) => x.complete && !removedIds.has(x.id)).map((x) => x.id),
        removed: [...removedIds] as string[],
        pointsLosingData: backups.filter((x) => removedIds.has(x.id) && x.point).map((x) => x.point!),
        incompleteRemoved: incomplete.map((x) => x.id),
    };
}

/** Drill records: one small snapshot per drill, tagged with its backup and result, so `pa health` and anyone reading the repository see when a backup was last proven. */
const DRILL_TAG = "kind=drill";
const DRILL_RECORDS_KEPT = 12;

export async function recordDrill(target: Target, deps: BackupDeps, report: VerifyReport): Promise<void> {
    const tags = ["pa", `stack=${target.stack}`, DRILL_TAG, `drill=${report.backup}`, `result=${report.ok ? "ok" : "failed"}`];
    await checked(deps.docker, "recording the drill", resticArgs(placeOf(target), ["backup", "--quiet", "--host", namePrefix(target.stack), "--tag", tags.join(","), "--stdin", "--stdin-filename", "drill.json"], { stdin: true }), {
        env: secretEnv(target),
        stdin: JSON.stringify({ ...report, at: deps.now().toISOString() }, null, 2),
    });
}

export interface BackupStatus {
    /** The newest complete backup. */
    lastBackup?: { id: string; time: string };
    /** The newest drill record, passed or not. */
    lastDrill?: { backup: string; time: string; ok: boolean };
    /** The newest drill that passed. */
    lastGoodDrill?: { backup: string; time: string };
}

/** What `pa health` reports of a stack's backups: one listing of the repository. */
export async function backupStatus(target: Target, deps: BackupDeps): Promise<BackupStatus> {
    const snapshots = await stackSnapshots(target, deps);
    const complete = backupsOf(snapshots).filter((b) => b.complete);
    const drills = snapshots
        .map((s) => ({ tags: tagValues(s.tags), time: s.time }))
        .filter((d) => d.tags.kind === "drill")
        .sort((a, b) => a.time.localeCompare(b.time))
        .map((d) => ({ backup: d.tags.drill ?? "?", time: d.time, ok: d.tags.result === "ok" }));
    const last = complete[complete.length - 1];
    const good = drills.filter((d) => d.ok);
    const lastGood = good[good.length - 1];
    return {
        lastBackup: last && { id: last.id, time: last.time },
        lastDrill: drills[drills.length - 1],
        lastGoodDrill: lastGood && { backup: lastGood.backup, time: lastGood.time },
    };
}
