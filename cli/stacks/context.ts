// The real dependencies of a command run: project paths, the logger, Docker, HTTP, git, the engine.
import { AutomationEngine, Engine } from "./engine";
import { GitCli } from "../release/git";
import { LogKind, Logger } from "../../platform/log";
import { RealOperations } from "./operations";
import { DockerCli } from "../../platform/dockerClient";
import { httpProbe } from "../checks/http";
import { ParsedFlags } from "../../platform/args";
import { projectRoot as checkoutRoot } from "../../platform/project";

export interface Context {
    projectRoot: string;
    log: Logger;
    engine: Engine;
    ops: RealOperations;
}

/** What a command's run needs; `--json` and `--quiet` of its flags shape the console output. */
export function createContext(kind: LogKind, flags: ParsedFlags = new Map()): Context {
    const projectRoot = process.env.PA_PROJECT_ROOT ?? checkoutRoot();
    const log = new Logger({
        repo: projectRoot,
        kind,
        debug: process.env.DEBUG === "true",
        // With --json, stdout carries only the JSON document.
        consoleStream: flags.has("json") ? process.stderr : process.stdout,
        quiet: flags.has("quiet"),
    });
    const engine = new AutomationEngine(projectRoot);
    const docker = new DockerCli();
    const git = new GitCli(projectRoot);
    const ops = new RealOperations({ projectRoot, engine, git, docker, http: httpProbe, log });
    return { projectRoot, log, engine, ops };
}

/** Engine output (pulumi preview/up lines) is detail: shown and logged with DEBUG=true. */
export function engineOutput(log: Logger): (line: string) => void {
    return (chunk) => {
        for (const line of chunk.split("\n")) if (line.trim()) log.debug(`  | ${line.trimEnd()}`);
    };
}
