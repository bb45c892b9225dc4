// The sync command the staging stack's Command resource runs (and people can run by hand).
// Exit codes (platform/exitCodes.ts): 0 synced, 1 failed (staging unchanged), 2 bad usage or
// environment, 5 personal data found after sanitizing (staging unchanged), 130 interrupted (staging unchanged).
import * as path from "path";
import { APP_SERVICES, AppService, dockerHost } from "../config/schema";
import { FILE_SYNC_APPS, SYNC_ENV, SyncEnv, SyncEnvName, fileVolumeEnvVar, syncKeyVolumeName } from "../model/sync";
import { CommandSpec, answeredHelp, parseFlags } from "../platform/args";
import { FileVolumes, FilesLeakFound, imageUsingVolume } from "./files";
import { Logger } from "../platform/log";
import { docker, serviceImage } from "./docker";
import { EXIT } from "../platform/exitCodes";
import { UsageError } from "../platform/errors";
import { DEFAULT_PHONE_REGIONS, isPhoneRegion } from "../config/phoneRegions";
import { GraphLeakFound } from "./neo4j";
import { LeakFound } from "./postgres";
import { SyncSummary, pendingCleanups, runSync } from "./run";

/** What the sync does, for --help. */
const DESCRIPTION = `Copies production's app databases into staging: when sanitizing, a sidecar on production's host (Node.js
of PA_SYNC_COPIER_IMAGE) reads each table from production's Postgres, sanitizes it and checks every row
for emails, phone numbers, known names, secrets, card numbers, IBANs and encoded payloads (and the
schema's own comments, defaults and enum labels); only checked rows reach staging, into fresh databases
that replace the live ones in one transaction once verified.
With the neo4j part, production's graph is copied too: production's Neo4j is frozen for a file copy
of its store (a fraction of a second for small stores), the copy is sanitized and scanned into a
fresh Neo4j on production's host, and only that one is dumped, loaded next to staging's and swapped
in. With the files part, n8n's binary data and Open WebUI's uploads and vector store are streamed
from production's data volumes into fresh directories of staging's (when sanitizing: text files
sanitized and scanned on production's host, other files replaced by placeholders, the vector store
left empty). Every part is verified before any is swapped in.`;

/** The environment table of --help, from the one definition (model/sync.ts SYNC_ENV), wrapped at 100 columns. */
export function environmentHelp(): string {
    const width = Math.max(...Object.keys(SYNC_ENV).map((name) => name.length)) + 3;
    return Object.entries(SYNC_ENV)
        .map(([name, text]) => {
            const lines: string[] = [];
            let line = "";
            for (const word of text.split(" ")) {
                if (line && width + 2 + line.length + 1 + word.length > 100) {
                    lines.push(line);
                    line = word;
                } else line = line ? `${line} ${word}` : word;
            }
            lines.push(line);
            return lines.map((l, i) => `  ${(i === 0 ? name : "").padEnd(width)}${l}`).join("\n");
        })
        .join("\n");
}

export const SYNC_PARTS = ["postgres", "neo4j", "files"] as const;
export type SyncPart = (typeof SYNC_PARTS)[number];

/** The sync CLI's flags, parsed by the one parser of pa and the sync (platform/args.ts). */
export const SYNC_CLI_SPEC: CommandSpec = {
    name: "sync-cli",
    program: "sync-cli",
    summary: "Copy production's data into a staging stack, sanitized unless PA_SYNC_SANITIZE=false (run by the staging stack's DataSync Command).",
    usage: "sync-cli [--json] [--apps letta,openWebui,n8n] [--parts postgres,neo4j,files]",
    flags: [
        { name: "json", help: "progress on stderr, the summary as one JSON line on stdout" },
        { name: "apps", value: "list", help: `the app databases to copy: ${APP_SERVICES.join(", ")} (default: all)` },
        { name: "parts", value: "list", help: `${SYNC_PARTS.join(", ")}; default: postgres, plus neo4j when PA_SYNC_PRODUCTION_NEO4J is set, plus files when an app's volumes are set` },
    ],
    details: [
        DESCRIPTION,
        "",
        "Environment:",
        environmentHelp(),
        "",
        "Exit codes: 0 synced, 1 failed, 2 bad usage or environment, 5 personal data left after sanitizing,",
        "130 interrupted (the table every command shares, platform/exitCodes.ts). On any non-zero exit staging still serves the data it had before.",
    ].join("\n"),
};

/** The variables of `env` that SYNC_ENV defines, and nothing else: the CLI reads no other. */
export function readSyncEnv(env: NodeJS.ProcessEnv): SyncEnv {
    return Object.fromEntries(Object.keys(SYNC_ENV).flatMap((name) => (env[name] === undefined ? [] : [[name, env[name]]]))) as SyncEnv;
}

export interface CliArgs {
    json: boolean;
    quiet: boolean;
    apps?: AppService[];
    parts?: SyncPart[];
}

/** The flags, and the lists of --apps and --parts checked against what exists. */
export function parseArgs(argv: string[]): CliArgs {
    const flags = parseFlags(SYNC_CLI_SPEC, argv);
    const list = (name: string, known: readonly string[]): string[] | undefined => {
        const raw = flags.get(name);
        if (raw === undefined) return undefined;
        const items = String(raw).split(",").filter(Boolean);
        if (items.length === 0 || items.some((item) => !known.includes(item))) throw new UsageError(`--${name} takes a list of ${known.join(", ")}; got '${raw}'`);
        return items;
    };
    return { json: flags.has("json"), quiet: flags.has("quiet"), apps: list("apps", APP_SERVICES) as AppService[] | undefined, parts: list("parts", SYNC_PARTS) as SyncPart[] | undefined };
}

/** The apps whose volumes are set on both sides (and selected by --apps). */
export function fileVolumes(env: SyncEnv, apps?: readonly AppService[]): FileVolumes[] {
    return FILE_SYNC_APPS.filter((app) => !apps || apps.includes(app))
        .map((app) => ({ app, production: env[fileVolumeEnvVar("production", app)] ?? "", staging: env[fileVolumeEnvVar("staging", app)] ?? "" }))
        .filter((v) => v.production && v.staging);
}

/** postgres always, neo4j when its containers are set, files when an app's volumes are set. */
export function defaultParts(env: SyncEnv, apps?: readonly AppService[]): SyncPart[] {
    return [
        "postgres" as const,
        ...(env.PA_SYNC_PRODUCTION_NEO4J ? (["neo4j"] as const) : []),
        ...(fileVolumes(env, apps).length > 0 ? (["files"] as const) : []),
    ];
}

/** A whole number of seconds from the environment, `fallback` when unset. */
function wholeSeconds(env: SyncEnv, name: SyncEnvName, fallback: number): number {
    const value = env[name] ?? String(fallback);
    if (!/^\d+$/.test(value) || Number(value) === 0) throw new UsageError(`${name} takes a whole number of seconds above 0, not '${value}'`);
    return Number(value);
}

export function appsWaitSeconds(env: SyncEnv): number {
    return wholeSeconds(env, "PA_SYNC_APPS_WAIT_SECONDS", 600);
}

export function freezeMaxSeconds(env: SyncEnv): number {
    return wholeSeconds(env, "PA_SYNC_FREEZE_MAX_SECONDS", 600);
}

export function phoneRegions(env: SyncEnv): readonly string[] {
    const value = env.PA_SYNC_PHONE_REGIONS;
    if (!value) return DEFAULT_PHONE_REGIONS;
    const regions = value.split(",").map((r) => r.trim().toUpperCase()).filter(Boolean);
    const unknown = regions.filter((r) => !isPhoneRegion(r));
    if (regions.length === 0 || unknown.length > 0) throw new UsageError(`PA_SYNC_PHONE_REGIONS takes ISO 3166 region codes such as DE,FR,US; not '${unknown.join(",") || value}'`);
    return regions;
}

/**
 * An unsanitized copy may only land on production's own engine (a staging next to production on the
 * server): the sync asks both engines who they are rather than trusting the stack's config.
 */
export async function refuseUnsanitizedElsewhere(productionHost: string | undefined, stagingHost: string | undefined): Promise<void> {
    const engineId = async (host: string | undefined) => (await docker({ host, container: "" }, ["info", "--format", "{{.ID}}"])).trim();
    const [production, staging] = await Promise.all([engineId(productionHost), engineId(stagingHost)]);
    if (!production || production !== staging) {
        throw new UsageError(
            `an unsanitized sync (sanitize: false) is allowed only into a staging on production's own Docker engine; staging's engine is another (${staging || "unknown"} vs production's ${production || "unknown"}): set pa:sync.sanitize to true (PA_SYNC_SANITIZE=true when run by hand)`,
        );
    }
}

/**
 * The key volume on production's host, checked to exist there (its content is read by the sidecars
 * only). A production stack from before the key moved there has none until its next `pulumi up`.
 */
async function productionKeyVolume(env: SyncEnv, productionHost: string | undefined): Promise<string> {
    const volume = env.PA_SYNC_KEY_VOLUME || (env.PA_SYNC_PRODUCTION_STACK ? syncKeyVolumeName(env.PA_SYNC_PRODUCTION_STACK) : undefined);
    if (!volume) throw new UsageError("sanitizing needs production's pseudonym key: set PA_SYNC_PRODUCTION_STACK (its stack declares the key volume) or PA_SYNC_KEY_VOLUME (see --help)");
    const found = await docker({ host: productionHost, container: "" }, ["volume", "ls", "-q", "--filter", `name=${volume}`]);
    if (!found.split("\n").some((line) => line.trim() === volume)) {
        throw new UsageError(`production's Docker engine has no volume ${volume} holding the sync's pseudonym key: run "pulumi up" on production's stack first (it declares the key), or set PA_SYNC_KEY_VOLUME to the right volume`);
    }
    return volume;
}

/** A Docker host from the environment, checked as pa:dockerHost is (no tcp://, no ssh option in disguise). */
export function dockerHostEnv(env: SyncEnv, name: SyncEnvName): string | undefined {
    const value = env[name] || undefined;
    if (value === undefined) return undefined;
    const parsed = dockerHost.safeParse(value);
    if (!parsed.success) throw new UsageError(`${name} = "${value}": ${parsed.error.issues[0].message}`);
    return value;
}

function required(env: SyncEnv, name: SyncEnvName): string {
    const value = env[name];
    if (!value) throw new UsageError(`${name} is not set (see --help)`);
    return value;
}

export function formatSummary(summary: SyncSummary): string {
    const lines = [`synced ${summary.rows} rows, ${(summary.bytes / 1e6).toFixed(1)} MB in ${summary.seconds.toFixed(1)} s (${summary.sanitized ? "sanitized" : "not sanitized"})`];
    const replaced: Record<string, number> = {};
    for (const db of summary.databases) for (const [finding, n] of Object.entries(db.replaced)) replaced[finding] = (replaced[finding] ?? 0) + n;
    const found = Object.entries(replaced).filter(([, n]) => n > 0);
    const kinds: Record<string, string> = { secret: "secrets", payload: "opaque payloads", email: "emails", card: "card numbers", iban: "IBANs", phone: "phone numbers", name: "known names", person: "other person names (tagger, conversations)", encoded: "encoded values" };
    if (found.length > 0) lines.push(`  replaced inside free text and JSON: ${found.map(([finding, n]) => `${n} ${kinds[finding] ?? finding}`).join(", ")}`);
    for (const db of summary.databases) {
        lines.push(`  ${db.database}: ${db.tables.reduce((n, t) => n + t.rows, 0)} rows, ${(db.bytes / 1e6).toFixed(1)} MB, ${db.seconds.toFixed(1)} s`);
        for (const t of db.tables.filter((t) => t.rows > 0)) lines.push(`    ${t.table}: ${t.rows}`);
    }
    if (summary.graph) {
        const g = summary.graph;
        lines.push(`  neo4j: ${g.nodes} nodes, ${g.relationships} relationships, ${(g.bytes / 1e6).toFixed(1)} MB dump, ${g.seconds.toFixed(1)} s; production frozen ${g.pause.frozenSeconds.toFixed(1)} s`);
    }
    if (summary.files) {
        const f = summary.files;
        lines.push(`  files: ${f.files} files, ${(f.bytes / 1e6).toFixed(1)} MB streamed, ${f.seconds.toFixed(1)} s${summary.sanitized ? `; ${f.placeholders} replaced by placeholders` : ""}`);
        for (const app of f.apps) {
            for (const d of app.dirs) {
                const what = !d.present
                    ? "not on production (removed on staging)"
                    : d.emptied
                      ? `left empty, ${d.notCopied} files not copied`
                      : `${d.files} files, ${(d.bytes / 1e6).toFixed(1)} MB${summary.sanitized ? ` (${d.sanitized} sanitized, ${d.placeholders} placeholders)` : ""}${d.skipped ? `, ${d.skipped} links or special files skipped` : ""}`;
                lines.push(`    ${app.app} ${d.dir}/: ${what}`);
            }
        }
        if (f.reindex) lines.push(`  Open WebUI's vector store was left empty: re-index on staging (Admin Panel > Settings > Documents > Reindex Knowledge and Memory Vectors)`);
    }
    const { restarted, notHealthy } = summary.apps;
    if (restarted.length > 0) lines.push(`  apps restarted on the new data: ${restarted.join(", ")}${notHealthy.length > 0 ? `; NOT healthy: ${notHealthy.join(", ")}` : ", all healthy"}`);
    return lines.join("\n");
}

export async function main(argv: string[], env: SyncEnv): Promise<number> {
    let args: CliArgs;
    try {
        args = parseArgs(argv);
    } catch (err) {
        if (answeredHelp(err)) return EXIT.ok;
        process.stderr.write(`${(err as Error).message}\n`);
        return EXIT.usage;
    }
    const sanitize = (env.PA_SYNC_SANITIZE ?? "true") !== "false";
    // With --json, stdout carries the summary line only: progress goes to stderr.
    const log = new Logger({ repo: path.resolve(__dirname, ".."), kind: "sync", dir: env.PA_SYNC_LOG_DIR || undefined, debug: env.DEBUG === "true", quiet: args.quiet, consoleStream: args.json ? process.stderr : process.stdout });
    try {
        const configuredVolumes = fileVolumes(env, args.apps);
        const parts = args.parts ?? defaultParts(env, args.apps);
        const productionHost = dockerHostEnv(env, "PA_SYNC_PRODUCTION_DOCKER_HOST");
        const stagingHost = dockerHostEnv(env, "PA_SYNC_STAGING_DOCKER_HOST");
        const regions = phoneRegions(env);
        if (!sanitize) await refuseUnsanitizedElsewhere(productionHost, stagingHost);
        const keyVolume = sanitize ? await productionKeyVolume(env, productionHost) : undefined;
        // Node.js on production's host: production's n8n image, found by its data volume (volume names are stable).
        let copierImage: string | undefined;
        const productionCopierImage = async () => {
            const n8nVolume = env[fileVolumeEnvVar("production", "n8n")];
            copierImage ??= env.PA_SYNC_COPIER_IMAGE
                || (n8nVolume ? await imageUsingVolume({ host: productionHost }, n8nVolume) : undefined)
                || (await serviceImage({ host: productionHost }, required(env, "PA_SYNC_PRODUCTION_STACK"), "n8n"));
            return copierImage;
        };
        if (parts.includes("files") && configuredVolumes.length === 0) {
            throw new UsageError(`the files part needs the apps' volumes: ${FILE_SYNC_APPS.flatMap((a) => [fileVolumeEnvVar("production", a), fileVolumeEnvVar("staging", a)]).join(", ")}`);
        }
        const options = {
            production: { host: productionHost, container: required(env, "PA_SYNC_PRODUCTION_POSTGRES") },
            staging: { host: stagingHost, container: required(env, "PA_SYNC_STAGING_POSTGRES") },
            postgres: parts.includes("postgres"),
            rowSanitizerImage: parts.includes("postgres") && sanitize ? await productionCopierImage() : undefined,
            graph: parts.includes("neo4j")
                ? {
                      production: { host: productionHost, container: required(env, "PA_SYNC_PRODUCTION_NEO4J") },
                      staging: { host: stagingHost, container: required(env, "PA_SYNC_STAGING_NEO4J") },
                      copierImage: await productionCopierImage(),
                      freezeMaxSeconds: freezeMaxSeconds(env),
                  }
                : undefined,
            files: parts.includes("files")
                ? { volumes: configuredVolumes, archiverImage: await productionCopierImage(), stagingImage: env.PA_SYNC_STAGING_HELPER_IMAGE || undefined }
                : undefined,
            stagingStack: env.PA_SYNC_STAGING_STACK || undefined,
            appsWaitSeconds: appsWaitSeconds(env),
            keyVolume,
            sanitize,
            phoneRegions: regions,
            apps: args.apps,
        };
        log.info(`sync of ${parts.join(" and ")} from production to staging (${sanitize ? "sanitized" : "not sanitized"}); log: ${log.file}`);
        const summary = await runSync(options, log);
        for (const line of formatSummary(summary).split("\n")) log.info(line);
        if (args.json) process.stdout.write(JSON.stringify({ ok: true, ...summary }) + "\n");
        return EXIT.ok;
    } catch (err) {
        const code = err instanceof UsageError ? EXIT.usage : err instanceof LeakFound || err instanceof GraphLeakFound || err instanceof FilesLeakFound ? EXIT.personalData : EXIT.failed;
        log.error(`sync failed, staging unchanged: ${(err as Error).message}`);
        if (args.json) {
            const leaks = err instanceof LeakFound || err instanceof GraphLeakFound || err instanceof FilesLeakFound ? err.leaks : undefined;
            process.stdout.write(JSON.stringify({ ok: false, error: log.redact((err as Error).message), leaks }) + "\n");
        }
        return code;
    }
}

if (require.main === module) {
    let interrupted = false;
    const onSignal = async () => {
        if (interrupted) return;
        interrupted = true;
        process.stderr.write("interrupted: dropping the incoming copies, staging keeps its data\n");
        for (const cleanup of pendingCleanups) await cleanup();
        process.exit(EXIT.interrupted);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    main(process.argv.slice(2), readSyncEnv(process.env)).then((code) => process.exit(code));
}
