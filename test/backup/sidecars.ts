// Starts a sidecar spec (model/backupScheduler.ts) as the stack would: the same image, command, env,
// mounts, networks, labels and hardening, the bundled program written in before the start. Used by the
// scheduler test; components/BackupScheduler.ts maps the same spec onto docker.Container.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SchedulerSecret } from "../../model/backupSchedule";
import { SidecarSpec } from "../../model/backupScheduler";
import { bundleSidecar } from "../../sidecars/bundle";
import { docker } from "../support/docker";

export function startSidecar(spec: SidecarSpec, secrets: Partial<Record<SchedulerSecret, string>>, envOverrides: Record<string, string> = {}): void {
    docker("rm", "-f", spec.name);
    const env = { ...spec.env, ...envOverrides };
    const secretEnv = Object.entries(spec.secretEnv) as [SchedulerSecret, string][];
    const [first, ...more] = spec.networks;
    const args = [
        "create", "--name", spec.name,
        ...Object.entries(spec.labels).flatMap(([k, v]) => ["--label", `${k}=${v}`]),
        ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
        // Secrets by name: their values come from this process's environment, never the command line.
        ...secretEnv.flatMap(([, name]) => ["-e", name]),
        ...spec.mounts.flatMap((m) => ["--mount", `type=${m.kind},source=${m.source},target=${m.target}${m.readOnly ? ",readonly" : ""}`]),
        "--network", first.name, ...first.aliases.flatMap((a) => ["--network-alias", a]),
        "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--restart", "unless-stopped",
        spec.image, ...spec.command,
    ];
    execFileSync("docker", args, { env: { ...process.env, ...Object.fromEntries(secretEnv.map(([key, name]) => [name, secrets[key] ?? ""])) }, stdio: ["ignore", "pipe", "pipe"] });
    for (const n of more) docker("network", "connect", ...n.aliases.flatMap((a) => ["--alias", a]), n.name, spec.name);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pa-sidecar-"));
    try {
        const file = path.join(dir, spec.program.file);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, bundleSidecar(spec.program.bundle));
        docker("cp", path.join(dir, spec.program.file.split("/")[1]), `${spec.name}:/`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    docker("start", spec.name);
}
