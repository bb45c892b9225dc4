// Production's Neo4j into staging. Community edition has no online backup, so production is stopped
// only for as long as a file copy of its store takes (then started again); everything else runs on
// that copy, in scratch containers on production's host: a copier sidecar reads it and writes the
// sanitized graph into a fresh Neo4j that never held a raw value, scans it, and only that one is
// dumped and streamed to staging, where it is loaded next to the live database and swapped in by
// renaming directories while staging's Neo4j is stopped.
import { syncKeyMountArgs } from "../model/sync";
import { SYNC_RUN_LABEL } from "../model/names";
import { DockerSide, docker, dockerProcess, runIn, scratchLabels } from "./docker";
import { CopierSettings, CopyReport, GraphLeak } from "./graph-copier";
import { GRAPH_RULES } from "./graph-rules";
import { sidecarProgram, sidecarReport } from "./sidecars/program";
import { TextSettings } from "./text";
import { Logger } from "../platform/log";
import { pipeProcesses } from "./stream";

export interface Neo4jSyncOptions {
    /** Production's Neo4j container and its engine. */
    production: DockerSide;
    /** Staging's Neo4j container and its engine. */
    staging: DockerSide;
    /** An image with Node.js on production's host, for the copier sidecar. */
    copierImage: string;
    /** The sanitizer's settings; without them (server profile) the graph is copied as it is. */
    text?: TextSettings;
    /** The longest production's Neo4j stays frozen: a watchdog container on its host thaws it then. */
    freezeMaxSeconds: number;
}

export interface Neo4jPause {
    /** From `docker pause` to `docker unpause` of production's Neo4j. */
    frozenSeconds: number;
    /** From `docker pause` until production's Neo4j answered HTTP again. */
    unavailableSeconds: number;
}

export interface Neo4jResult {
    nodes: number;
    relationships: number;
    bytes: number;
    seconds: number;
    pause: Neo4jPause;
}

/** The scan found personal data in the sanitized graph: where and how much, never what. */
export class GraphLeakFound extends Error {
    constructor(readonly leaks: GraphLeak[]) {
        super("personal data left in the graph after sanitizing (add the property keys to sync/graph-rules.ts):\n" + leaks.map((l) => `  neo4j: ${l.where}.${l.property}: ${l.count} value(s)`).join("\n"));
        this.name = "GraphLeakFound";
    }
}

/** The staging database names the load and the swap use, next to the live `neo4j`. */
export const INCOMING_GRAPH = "pa-sync-incoming";
export const PREVIOUS_GRAPH = "pa-sync-previous";
const STORE_DIRS = ["databases", "transactions"];
/** Neo4j needs ~11-13 s to shut down cleanly (Bolt's graceful shutdown); a kill would leave a store to recover. */
const STOP_TIMEOUT_SECONDS = "60";
/** Scratch objects of runs older than this are removed by the next sync (a SIGKILLed run cannot clean up). */
const SCRATCH_MAX_AGE_SECONDS = 6 * 3600;

/** A copy of the graph loaded next to staging's live database, ready to swap in. */
export interface PreparedGraph {
    result: Neo4jResult;
    /** Stops staging's Neo4j, puts the copy in place (keeping the live one aside) and starts it again. */
    swapIn(): Promise<void>;
    /** Puts the set-aside live database back and makes sure staging's Neo4j runs if it ran before. */
    revert(): Promise<void>;
    /** Removes the set-aside database, or the unused copy. */
    finish(): Promise<void>;
}

interface ContainerFacts {
    image: string;
    dataVolume: string;
    running: boolean;
}

async function inspect(side: DockerSide): Promise<ContainerFacts> {
    const format = `{{.Config.Image}}|{{range .Mounts}}{{if eq .Destination "/data"}}{{.Name}}{{end}}{{end}}|{{.State.Running}}`;
    const [image, dataVolume, running] = (await docker(side, ["inspect", "-f", format, side.container])).trim().split("|");
    if (!dataVolume) throw new Error(`${side.container} has no volume at /data`);
    return { image, dataVolume, running: running === "true" };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForHttp(side: DockerSide, timeoutSeconds: number): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
        try {
            await runIn(side, ["sh", "-c", "wget -q -O /dev/null http://localhost:7474/ 2>/dev/null || curl -fsS -o /dev/null http://localhost:7474/"]);
            return;
        } catch (err) {
            if (Date.now() > deadline) throw new Error(`${side.container} did not answer on port 7474 within ${timeoutSeconds} s`);
            await sleep(250);
        }
    }
}

/** Removes this run's scratch containers, volumes and network, or those of runs older than the max age. */
export async function removeScratch(side: Pick<DockerSide, "host">, runId?: string): Promise<void> {
    const engine = { host: side.host, container: "" };
    const now = Math.floor(Date.now() / 1000);
    for (const kind of ["container", "volume", "network"] as const) {
        const list = kind === "container" ? ["ps", "-a"] : [kind, "ls"];
        const name = kind === "container" ? "{{.Names}}" : "{{.Name}}";
        const lines = (await docker(engine, [...list, "--filter", `label=${SYNC_RUN_LABEL}`, "--format", `${name}|{{.Label "${SYNC_RUN_LABEL}"}}|{{.Label "pa.sync.started"}}`]))
            .split("\n").filter(Boolean).map((l) => l.split("|"));
        const doomed = lines.filter(([, run, started]) => (runId ? run === runId : now - Number(started) > SCRATCH_MAX_AGE_SECONDS)).map(([name]) => name);
        if (doomed.length === 0) continue;
        await docker(engine, kind === "container" ? ["rm", "-f", "-v", ...doomed] : [kind, "rm", ...doomed]).catch(() => undefined);
    }
}

/** Runs a shell script as root in a one-off container of `image` with `volume` at /data. */
function onVolume(side: Pick<DockerSide, "host">, labels: string[], image: string, volume: string, script: string): Promise<string> {
    return docker({ host: side.host, container: "" }, ["run", "--rm", ...labels, "--user", "0", "--entrypoint", "sh", "-v", `${volume}:/data`, image, "-c", script]);
}

/** Removes a loaded copy that was never swapped in (staging's live database is not touched). */
export async function dropIncomingGraph(staging: DockerSide): Promise<void> {
    const facts = await inspect(staging);
    await onVolume(staging, [], facts.image, facts.dataVolume, STORE_DIRS.map((d) => `rm -rf /data/${d}/${INCOMING_GRAPH}`).join("; "));
}

/** The program the copier sidecar runs (sync/sidecars/graph.ts), as JavaScript source. */
export function copierProgram(copier: CopierSettings, text: TextSettings | undefined): string {
    return sidecarProgram("graph", { copier, text });
}

/**
 * Copies production's graph (sanitized when asked) into a database next to staging's live one.
 * Throws GraphLeakFound if the scan finds personal data; staging is then untouched.
 */
export async function prepareGraph(options: Neo4jSyncOptions, runId: string, log: Logger): Promise<PreparedGraph> {
    const started = Date.now();
    const labels = scratchLabels(runId, started);
    const scratch = (what: string) => `pa-sync-${runId}-${what}`;
    const prodEngine = { host: options.production.host, container: "" };
    const production = await inspect(options.production);
    const staging = await inspect(options.staging);
    await removeScratch(options.production);

    try {
        for (const volume of ["source", "target"]) await docker(prodEngine, ["volume", "create", ...labels, scratch(volume)]);
        // Running before production freezes, so the pause is only the copy itself.
        await docker(prodEngine, ["run", "-d", "--name", scratch("store-copy"), ...labels, "--user", "0", "--network", "none", "--entrypoint", "sleep",
            "-v", `${production.dataVolume}:/from:ro`, "-v", `${scratch("source")}:/to`, production.image, "infinity"]);
        log.info(`neo4j: freezing production's Neo4j for a copy of its store (Community edition has no online backup)`);
        const watchdog = { name: scratch("thaw-watchdog"), labels, image: options.copierImage, seconds: options.freezeMaxSeconds };
        const pause = await copyStoreWhileFrozen(options.production, production.running, scratch("store-copy"), watchdog);
        log.info(`neo4j: production frozen ${pause.frozenSeconds.toFixed(1)} s, answering again after ${pause.unavailableSeconds.toFixed(1)} s`);

        log.info(`neo4j: copying${options.text ? ", sanitizing and scanning" : ""} into a fresh Neo4j on production's host`);
        const report = await copyOnProduction(options, production.image, labels, scratch);
        // The target must shut down cleanly to be dumped; the source is thrown away.
        await docker(prodEngine, ["rm", "-f", scratch("neo4j-source")]);
        await docker(prodEngine, ["stop", "-t", STOP_TIMEOUT_SECONDS, scratch("neo4j-target")]);

        log.info(`neo4j: dump on production, load next to staging's live database as '${INCOMING_GRAPH}'`);
        const dump = dockerProcess(options.production, ["run", "--rm", ...labels, "-v", `${scratch("target")}:/data`, production.image, "neo4j-admin", "database", "dump", "neo4j", "--to-stdout"]);
        const load = dockerProcess(options.staging, ["run", "--rm", "-i", ...labels, "-v", `${staging.dataVolume}:/data`, staging.image,
            "neo4j-admin", "database", "load", INCOMING_GRAPH, "--from-stdin", "--overwrite-destination=true"]);
        const { bytes } = await pipeProcesses(dump, load);
        const result: Neo4jResult = {
            nodes: report.nodes,
            relationships: report.relationships,
            bytes,
            seconds: (Date.now() - started) / 1000,
            pause,
        };
        return preparedOnStaging(options.staging, staging, labels, result, log);
    } catch (err) {
        // The scratch removal below removes the thaw watchdog too: a failed unpause is retried here first.
        await thawIfFrozen(options.production).catch(() => undefined);
        await dropIncomingGraph(options.staging).catch(() => undefined);
        throw err;
    } finally {
        await removeScratch(options.production, runId);
    }
}

/** The watchdog's line once it has reached the engine. */
export const WATCHDOG_READY = "watchdog: ready";

/**
 * The thaw watchdog's program (node -e): asks the engine through its socket for the container first and
 * says `watchdog: ready` (the sync pauses only after that line, so a watchdog that cannot reach the
 * engine never guards a freeze); after the given seconds, unpauses the container.
 */
const THAW_WATCHDOG_PROGRAM = [
    "const [name, seconds] = process.argv.slice(1);",
    "const call = (method, path, done) => require('http').request({ socketPath: '/var/run/docker.sock', method, path: '/containers/' + encodeURIComponent(name) + path }, done)",
    "  .on('error', (e) => { console.error('watchdog: ' + e.message); process.exit(1); }).end();",
    "call('GET', '/json', (r) => {",
    "  r.resume();",
    "  if (r.statusCode !== 200) { console.error('watchdog: the engine answered ' + r.statusCode + ' for ' + name); process.exit(1); }",
    `  console.log(${JSON.stringify(WATCHDOG_READY)});`,
    "  setTimeout(() => call('POST', '/unpause', (u) => { console.log('watchdog: ' + name + ' frozen ' + seconds + ' s without a thaw; unpaused it (engine answered ' + u.statusCode + ')'); process.exit(0); }), Number(seconds) * 1000);",
    "});",
].join("\n");

export interface ThawWatchdog {
    /** The watchdog container's name (a scratch object of the run, removed with them). */
    name: string;
    labels: string[];
    /** An image with Node.js on production's host. */
    image: string;
    seconds: number;
}

/** The engine's socket on its own host: a unix:// host names it; over ssh:// the default one. */
export function engineSocket(host: string | undefined): string {
    const engine = host || process.env.DOCKER_HOST || "";
    return engine.startsWith("unix://") ? engine.slice("unix://".length) : "/var/run/docker.sock";
}

/**
 * `docker run` of the watchdog that thaws `container` after `seconds` on production's own host, so a sync
 * killed or cut off inside the freeze cannot leave production frozen. It holds the engine's socket (an
 * unpause needs the API) with every capability dropped, no network and a read-only root.
 */
export function thawWatchdogArgs(watchdog: ThawWatchdog, container: string, socket: string): string[] {
    return [
        "run", "-d", "--rm", "--name", watchdog.name, ...watchdog.labels,
        "--user", "0", "--network", "none", "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--read-only",
        "-v", `${socket}:/var/run/docker.sock`, "--entrypoint", "node", watchdog.image,
        "-e", THAW_WATCHDOG_PROGRAM, container, String(watchdog.seconds),
    ];
}

/**
 * Freezes production's Neo4j (`docker pause`: the cgroup freezer, connections wait, nothing is
 * dropped), copies its /data and thaws it. The copy is crash-consistent: the state Neo4j recovers
 * to after a power cut, which the scratch server's recovery replays on start. Frozen, not stopped,
 * so the pause is the copy alone, not the ~12 s shutdown and ~6 s start of a stop. A watchdog on
 * production's host, started before the freeze, thaws it after `watchdog.seconds` whatever happens here;
 * a copy that outlasts it is not consistent and fails.
 */
async function copyStoreWhileFrozen(production: DockerSide, running: boolean, copier: string, watchdog: ThawWatchdog): Promise<Neo4jPause> {
    const engine = { host: production.host, container: "" };
    if (running) {
        await docker(engine, thawWatchdogArgs(watchdog, production.container, engineSocket(production.host)));
        await watchdogReady(engine, watchdog);
    }
    const frozenAt = Date.now();
    let thawedByWatchdog = false;
    if (running) await docker(engine, ["pause", production.container]);
    try {
        await runIn({ host: production.host, container: copier }, ["cp", "-a", "/from/.", "/to/"]);
    } finally {
        if (running) {
            await docker(engine, ["unpause", production.container]).catch(async (err) => {
                // Not paused any more: the watchdog was first.
                if ((await docker(engine, ["inspect", "-f", "{{.State.Paused}}", production.container])).trim() !== "false") throw err;
                thawedByWatchdog = true;
            });
            await docker(engine, ["rm", "-f", watchdog.name]).catch(() => undefined);
        }
    }
    const thawedAt = Date.now();
    if (thawedByWatchdog) {
        throw new Error(
            `the copy of production's Neo4j store outlasted the freeze limit (${watchdog.seconds} s, PA_SYNC_FREEZE_MAX_SECONDS): ` +
                "the watchdog thawed production, so the copy is not consistent; staging keeps its graph. Raise the limit and sync again",
        );
    }
    if (running) await waitForHttp(production, 180);
    return { frozenSeconds: (thawedAt - frozenAt) / 1000, unavailableSeconds: (Date.now() - frozenAt) / 1000 };
}

/** Waits (10 s at most) for the watchdog's ready line; production is not frozen without it. */
async function watchdogReady(engine: DockerSide, watchdog: ThawWatchdog): Promise<void> {
    const deadline = Date.now() + 10_000;
    let said = "";
    while (Date.now() < deadline) {
        // The container removes itself when its program fails: its logs are then gone too.
        said = await docker(engine, ["logs", watchdog.name]).catch((error: Error) => error.message);
        if (said.includes(WATCHDOG_READY)) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await docker(engine, ["rm", "-f", watchdog.name]).catch(() => undefined);
    throw new Error(`the thaw watchdog on production's host did not reach its Docker engine (${said.trim().split("\n")[0] || "no output"}): production's Neo4j was not frozen; check that its engine's socket is at ${engineSocket(engine.host)}`);
}

/** A production Neo4j left frozen by a sync that was killed (SIGKILL) inside its pause is thawed. */
export async function thawIfFrozen(production: DockerSide): Promise<boolean> {
    const paused = (await docker(production, ["inspect", "-f", "{{.State.Paused}}", production.container])).trim() === "true";
    if (paused) await docker({ host: production.host, container: "" }, ["unpause", production.container]);
    return paused;
}

async function copyOnProduction(options: Neo4jSyncOptions, image: string, labels: string[], scratch: (what: string) => string): Promise<CopyReport> {
    const engine = { host: options.production.host, container: "" };
    await docker(engine, ["network", "create", "--internal", ...labels, scratch("network")]);
    for (const name of ["source", "target"]) {
        // No auth: the scratch servers are reachable only on their internal network, by the sidecar.
        await docker(engine, ["run", "-d", "--name", scratch(`neo4j-${name}`), ...labels, "--network", scratch("network"), "-e", "NEO4J_AUTH=none",
            "-e", "NEO4J_server_memory_heap_max__size=1g", "-v", `${scratch(name)}:/data`, image]);
    }
    for (const name of ["source", "target"]) await waitForHttp({ host: options.production.host, container: scratch(`neo4j-${name}`) }, 180);
    const program = copierProgram(
        { sourceUrl: `http://${scratch("neo4j-source")}:7474`, targetUrl: `http://${scratch("neo4j-target")}:7474`, rules: GRAPH_RULES, batchSize: 2000 },
        options.text,
    );
    // The key comes from production's key volume, read only by the copier.
    const keyMount = options.text ? syncKeyMountArgs(options.text.keyVolume) : [];
    const output = await docker(engine, ["run", "--rm", "-i", ...labels, ...keyMount, "--network", scratch("network"), "--entrypoint", "node", options.copierImage, "-"], program);
    const report = sidecarReport(output) as CopyReport | undefined;
    if (!report) throw new Error("the graph copier on production's host printed no report");
    if (report.leaks.length > 0) throw new GraphLeakFound(report.leaks);
    return report;
}

function preparedOnStaging(side: DockerSide, staging: ContainerFacts, labels: string[], result: Neo4jResult, log: Logger): PreparedGraph {
    const run = (script: string) => onVolume(side, labels, staging.image, staging.dataVolume, `set -e; cd /data; ${script}`);
    const engine = { host: side.host, container: "" };
    let swapped = false;
    return {
        result,
        async swapIn() {
            if (staging.running) await docker(engine, ["stop", "-t", STOP_TIMEOUT_SECONDS, side.container]);
            // Renames inside one volume: the live database is set aside whole, the copy put in whole.
            await run(
                STORE_DIRS.map((d) => `test -d ${d}/${INCOMING_GRAPH}`).join(" && ") + "; " +
                STORE_DIRS.map((d) => `rm -rf ${d}/${PREVIOUS_GRAPH}; if [ -e ${d}/neo4j ]; then mv ${d}/neo4j ${d}/${PREVIOUS_GRAPH}; fi; mv ${d}/${INCOMING_GRAPH} ${d}/neo4j`).join("; "),
            );
            swapped = true;
            if (staging.running) {
                await docker(engine, ["start", side.container]);
                await waitForHttp(side, 180);
            }
            log.debug("neo4j: swapped in");
        },
        async revert() {
            if (swapped) {
                if (staging.running) await docker(engine, ["stop", "-t", STOP_TIMEOUT_SECONDS, side.container]).catch(() => undefined);
                await run(STORE_DIRS.map((d) => `if [ -e ${d}/${PREVIOUS_GRAPH} ]; then rm -rf ${d}/neo4j; mv ${d}/${PREVIOUS_GRAPH} ${d}/neo4j; fi`).join("; "));
                swapped = false;
            }
            // Also after a swap that stopped staging's Neo4j and failed before renaming anything.
            if (staging.running) await docker(engine, ["start", side.container]);
        },
        async finish() {
            await run(STORE_DIRS.map((d) => `rm -rf ${d}/${PREVIOUS_GRAPH} ${d}/${INCOMING_GRAPH}`).join("; "));
        },
    };
}
