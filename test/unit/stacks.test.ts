// The resource graph of each real stack file, run through the real program on Pulumi's mock engine.
import * as assert from "assert";
import { HOSTNAMES } from "../../model/names";
import { SIDECAR_LIMITS } from "../../model/backupScheduler";
import { DEFAULT_PIDS_LIMITS } from "../../model/hardening";
import { SYNC_KEY_HOLDER_MEMORY_MB } from "../../model/sync";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseStackConfig } from "../../config/read";
import { RecordedResource, StackRun, TYPES, byType, isSecretValue, one, reveal, runStack, stackFileConfig } from "./harness";

const STACKS = ["production", "staging-laptop", "staging-server"] as const;
const SERVICES = ["postgres", "neo4j", "letta", "openWebui", "n8n"] as const;
const APPS = ["letta", "openWebui", "n8n"] as const;
const CONTAINERS = [...SERVICES, "gateway"] as const;

interface Expectation {
    bindAddress: string;
    /** Container -> published "ip:external->internal"; the gateway publishes the apps. */
    ports: Record<string, string[]>;
    /** Laptop: memory and CPU limits; server: memory limits only (model/container.ts defaults). */
    cpuLimited: boolean;
}

const EXPECTED: Record<(typeof STACKS)[number], Expectation> = {
    production: {
        bindAddress: "127.0.0.1",
        ports: {
            postgres: [],
            neo4j: [],
            letta: [],
            openWebui: [],
            n8n: [],
            gateway: ["127.0.0.1:8283->8283", "127.0.0.1:8080->8080", "127.0.0.1:5678->5678"],
        },
        cpuLimited: false,
    },
    "staging-laptop": {
        bindAddress: "127.0.0.1",
        ports: {
            postgres: ["127.0.0.1:5432->5432"],
            neo4j: ["127.0.0.1:7474->7474", "127.0.0.1:7687->7687"],
            letta: [],
            openWebui: [],
            n8n: [],
            gateway: ["127.0.0.1:8283->8283", "127.0.0.1:8080->8080", "127.0.0.1:5678->5678"],
        },
        cpuLimited: true,
    },
    "staging-server": {
        bindAddress: "127.0.0.2",
        ports: {
            postgres: ["127.0.0.2:5432->5432"],
            neo4j: ["127.0.0.2:7474->7474", "127.0.0.2:7687->7687"],
            letta: [],
            openWebui: [],
            n8n: [],
            gateway: ["127.0.0.2:8283->8283", "127.0.0.2:8080->8080", "127.0.0.2:5678->5678"],
        },
        cpuLimited: false,
    },
};

function envOf(container: RecordedResource): Record<string, string> {
    const pairs: string[] = reveal(container.inputs.envs) ?? [];
    return Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]));
}

/** Every string in a value that is not inside a secret wrapper. */
function plainStrings(value: unknown, out: string[] = []): string[] {
    if (isSecretValue(value)) return out;
    if (typeof value === "string") out.push(value);
    else if (Array.isArray(value)) value.forEach((v) => plainStrings(v, out));
    else if (value && typeof value === "object") Object.values(value).forEach((v) => plainStrings(v, out));
    return out;
}

for (const stack of STACKS) {
    describe(`stack ${stack} (mock engine)`, () => {
        const expected = EXPECTED[stack];
        let run: StackRun;
        const container = (service: string) => one(run, TYPES.container, service);
        const networkName = (role: string) => `pa-${stack}-${role}`;

        before(async () => {
            run = await runStack(stack, stackFileConfig(stack));
        });

        const hasBackups = stack === "production";
        const dataVolumes = () => byType(run, TYPES.volume).filter((v) => !v.name.startsWith("backup-") && v.name !== "sync-key");

        it("declares five containers and the gateway, two networks, the data volumes and ten generated secrets (plus the backups' and the sync key in production)", () => {
            const scheduler = hasBackups ? ["backup-scheduler", "docker-api", "sync-key-holder"] : [];
            assert.deepStrictEqual(byType(run, TYPES.container).map((c) => c.name).sort(), [...CONTAINERS, ...scheduler].sort());
            assert.deepStrictEqual(byType(run, TYPES.network).map((n) => n.inputs.name).sort(), [
                networkName("backend"),
                ...(hasBackups ? [networkName("backup-api")] : []),
                networkName("frontend"),
            ]);
            assert.strictEqual(byType(run, TYPES.password).length, hasBackups ? 12 : 10);
            // Production adds restic, node and the docker CLI for its backups and their scheduler.
            assert.strictEqual(byType(run, TYPES.image).length, hasBackups ? 9 : 6);
        });

        it(hasBackups ? "keeps backups: a repository volume that outlives the stack, a generated password, a pinned restic" : "has no backups of its own", () => {
            const repo = byType(run, TYPES.volume).filter((v) => v.name === "backup-repository");
            const program = run.outputs as Record<string, unknown>;
            if (!hasBackups) {
                assert.strictEqual(repo.length, 0);
                assert.strictEqual(program.backup, undefined);
                return;
            }
            assert.strictEqual(repo.length, 1);
            assert.strictEqual(repo[0].inputs.name, `pa-${stack}-backups`);
            assert.strictEqual(repo[0].protect, true);
            assert.strictEqual(repo[0].retainOnDelete, true, "pulumi destroy leaves the backups on the host");
            const restic = byType(run, TYPES.image).find((i) => i.name === "restic-image");
            assert.match(restic?.inputs.name, /^restic\/restic:\d+\.\d+\.\d+$/);
            assert.ok(run.secretOutputs.includes("backup"), "the backup output (with its password) is secret");
            const backup = program.backup as { password: string; repository: string };
            assert.strictEqual(backup.repository, `pa-${stack}-backups`);
            assert.strictEqual(backup.password, run.generated["backup-password"], "the password is the generated one");
        });

        if (hasBackups) {
            it("schedules backups with no container but the proxy holding the Docker socket, the proxy on an internal network only", () => {
                const proxy = one(run, TYPES.container, "docker-api");
                const scheduler = one(run, TYPES.container, "backup-scheduler");
                const socketHolders = byType(run, TYPES.container).filter((c) => JSON.stringify([c.inputs.mounts ?? [], c.inputs.volumes ?? []]).includes("docker.sock"));
                assert.deepStrictEqual(socketHolders.map((c) => c.name), ["docker-api"]);
                assert.deepStrictEqual(proxy.inputs.networksAdvanced.map((n: any) => n.name), [networkName("backup-api")]);
                assert.strictEqual(one(run, TYPES.network, "backup-api").inputs.internal, true);
                assert.deepStrictEqual(scheduler.inputs.networksAdvanced.map((n: any) => n.name), [networkName("backup-api"), networkName("frontend")]);
                for (const c of [proxy, scheduler]) {
                    assert.deepStrictEqual(c.inputs.capabilities, { drops: ["ALL"] });
                    assert.deepStrictEqual(c.inputs.securityOpts, ["no-new-privileges"]);
                    assert.strictEqual(c.inputs.uploads.length, 1);
                    assert.ok(c.inputs.uploads[0].content.length > 10_000, "the bundled program is written in");
                }
                const images = byType(run, TYPES.image).map((i) => i.inputs.name);
                assert.ok(images.includes("node:22.12.0-bookworm-slim") && images.includes("docker:27.5.1-cli"), images.join(", "));
            });

            it("hands the scheduler its passwords as secrets and its schedule in plain settings", () => {
                const scheduler = one(run, TYPES.container, "backup-scheduler");
                // The engine sees a secret as a wrapped value with the secret signature.
                const wrapped = scheduler.inputs.envs as { [signature: string]: unknown; value: string[] };
                assert.strictEqual(wrapped["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270", "the env is a secret");
                const envs = wrapped.value;
                const settings = JSON.parse(envs.find((e) => e.startsWith("PA_SCHEDULER="))!.slice("PA_SCHEDULER=".length));
                assert.strictEqual(settings.schedule, "30 3 * * *");
                assert.strictEqual(settings.dockerHost, "tcp://docker-api:2375");
                assert.strictEqual(envs.find((e) => e.startsWith("RESTIC_PASSWORD=")), `RESTIC_PASSWORD=${run.generated["backup-password"]}`);
                assert.ok(!JSON.stringify(settings).includes(run.generated["backup-password"]));
            });
        }

        it("publishes exactly the configured ports, on the configured address", () => {
            for (const service of CONTAINERS) {
                const ports = (container(service).inputs.ports ?? []).map(
                    (p: any) => `${p.ip}:${p.external}->${p.internal}`,
                );
                assert.deepStrictEqual(ports.sort(), [...expected.ports[service]].sort(), `${service} ports`);
            }
        });

        it("keeps the databases on the internal backend network, the apps on both, the gateway on the front", () => {
            const backend = one(run, TYPES.network, "backend");
            const frontend = one(run, TYPES.network, "frontend");
            assert.strictEqual(backend.inputs.internal, true);
            assert.strictEqual(frontend.inputs.internal, false);
            for (const service of SERVICES) {
                const c = container(service);
                const joined = c.inputs.networksAdvanced.map((n: any) => n.name).sort();
                const isDatabase = service === "postgres" || service === "neo4j";
                const publishes = expected.ports[service].length > 0;
                const wanted = isDatabase && !publishes ? [networkName("backend")] : [networkName("backend"), networkName("frontend")];
                assert.deepStrictEqual(joined, wanted.sort(), `${service} networks`);
                // A network mode would make Docker 20.10 drop that network's aliases: apps could not find "postgres".
                assert.strictEqual(c.inputs.networkMode, undefined, `${service} sets no network mode`);
                for (const n of c.inputs.networksAdvanced) {
                    assert.deepStrictEqual(n.aliases, [HOSTNAMES[service]], `${service} alias on ${n.name}`);
                }
            }
            const gateway = container("gateway").inputs;
            assert.deepStrictEqual(gateway.networksAdvanced, [{ name: networkName("frontend"), aliases: ["gateway"] }]);
        });

        it("mounts each service's data volume at the path its image uses", () => {
            const mounts = (service: string) =>
                (container(service).inputs.volumes ?? []).map((v: any) => `${v.volumeName}:${v.containerPath}`).sort();
            assert.deepStrictEqual(mounts("postgres"), [`pa-${stack}-postgres-data:/var/lib/postgresql/data`]);
            assert.deepStrictEqual(mounts("neo4j"), [`pa-${stack}-neo4j-data:/data`, `pa-${stack}-neo4j-logs:/logs`]);
            assert.deepStrictEqual(mounts("openWebui"), [`pa-${stack}-open-webui-data:/app/backend/data`]);
            assert.deepStrictEqual(mounts("n8n"), [`pa-${stack}-n8n-data:/home/node/.n8n`]);
            assert.deepStrictEqual(mounts("letta"), []);
            const declared = dataVolumes().map((v) => v.inputs.name).sort();
            const mounted = SERVICES.flatMap((s) => container(s).inputs.volumes ?? []).map((v: any) => v.volumeName).sort();
            assert.deepStrictEqual(declared, mounted);
        });

        it("wires each app to its own database, role and password on the postgres host", () => {
            const pw = run.generated;
            const postgresEnv = envOf(container("postgres"));
            assert.strictEqual(postgresEnv.POSTGRES_PASSWORD, pw.postgresSuperuserPassword);
            assert.strictEqual(postgresEnv.PA_LETTA_DB_PASSWORD, pw.lettaDbPassword);
            assert.strictEqual(postgresEnv.PA_OPENWEBUI_DB_PASSWORD, pw.openWebuiDbPassword);
            assert.strictEqual(postgresEnv.PA_N8N_DB_PASSWORD, pw.n8nDbPassword);

            const letta = envOf(container("letta"));
            assert.strictEqual(letta.LETTA_PG_URI, `postgresql://letta:${pw.lettaDbPassword}@postgres:5432/letta`);
            assert.strictEqual(letta.LETTA_ENCRYPTION_KEY, pw.lettaEncryptionKey);

            const webui = envOf(container("openWebui"));
            assert.strictEqual(webui.DATABASE_URL, `postgresql://openwebui:${pw.openWebuiDbPassword}@postgres:5432/openwebui`);
            assert.strictEqual(webui.WEBUI_SECRET_KEY, pw.webuiSecretKey);

            const n8n = envOf(container("n8n"));
            assert.deepStrictEqual(
                [n8n.DB_TYPE, n8n.DB_POSTGRESDB_HOST, n8n.DB_POSTGRESDB_DATABASE, n8n.DB_POSTGRESDB_USER, n8n.DB_POSTGRESDB_PASSWORD],
                ["postgresdb", "postgres", "n8n", "n8n", pw.n8nDbPassword],
            );
            assert.strictEqual(n8n.N8N_ENCRYPTION_KEY, pw.n8nEncryptionKey);
            const url = `http://${expected.bindAddress}:5678`;
            assert.strictEqual(n8n.N8N_EDITOR_BASE_URL, url);
            assert.strictEqual(n8n.WEBHOOK_URL, `${url}/`);
            assert.strictEqual(webui.WEBUI_URL, `http://${expected.bindAddress}:8080`);

            const neo4j = envOf(container("neo4j"));
            assert.strictEqual(neo4j.NEO4J_AUTH, `neo4j/${pw.neo4jPassword}`);

            const allPasswords = new Set(Object.values(pw));
            assert.strictEqual(allPasswords.size, hasBackups ? 12 : 10, "every secret is generated separately");
        });

        it("the init script creates every app database and the vector extension for Letta", () => {
            const upload = container("postgres").inputs.uploads[0];
            assert.strictEqual(upload.file, "/docker-entrypoint-initdb.d/10-pa-app-databases.sh");
            for (const db of ["letta", "openwebui", "n8n"]) assert.match(upload.content, new RegExp(`CREATE DATABASE "${db}" OWNER "${db}"`));
            assert.match(upload.content, /CREATE EXTENSION IF NOT EXISTS vector SCHEMA "letta"/);
        });

        it("marks every secret secret: no generated value appears outside a secret anywhere", () => {
            const values = Object.values(run.generated);
            for (const resource of run.resources) {
                for (const text of plainStrings(resource.inputs)) {
                    for (const secret of values) {
                        assert.ok(!text.includes(secret), `${resource.type} ${resource.name} carries a secret in plain text`);
                    }
                    assert.ok(!text.includes("{{secret:"), `${resource.name} has an unfilled secret marker: ${text}`);
                }
            }
            for (const service of SERVICES) assert.ok(isSecretValue(container(service).inputs.envs), `${service} env is secret`);
        });

        it(expected.cpuLimited ? "limits memory and CPU of every container" : "limits the memory of every container, not its CPU", () => {
            for (const service of SERVICES) {
                const { memory, cpus, memorySwap } = container(service).inputs;
                assert.ok(memory >= 512, `${service} memory ${memory}`);
                assert.strictEqual(memorySwap, memory * 2, `${service} swap stated`);
                if (expected.cpuLimited) assert.match(cpus, /^\d+\.\d$/, `${service} cpus ${cpus} in the provider's read-back format`);
                else assert.strictEqual(cpus, undefined, `${service} cpus`);
            }
        });

        it("runs every container without new privileges, with only the capabilities it needs and a pids limit", () => {
            for (const service of CONTAINERS) {
                const c = container(service);
                assert.deepStrictEqual(c.inputs.securityOpts, ["no-new-privileges"], service);
                assert.deepStrictEqual(c.inputs.capabilities.drops, ["ALL"], service);
                const adds: string[] = c.inputs.capabilities.adds;
                for (const cap of ["CAP_NET_RAW", "CAP_MKNOD", "CAP_SYS_CHROOT", "CAP_SETFCAP", "CAP_NET_BIND_SERVICE"]) assert.ok(!adds.includes(cap), `${service} gets ${cap} back`);
                if (service === "n8n" || service === "gateway") assert.deepStrictEqual(adds, [], `${service} runs as its image's own user`);
                const pids = one(run, TYPES.command, `${service}-pids-limit`);
                const limit = new RegExp(`^docker -H unix:///var/run/docker.sock update --pids-limit ${DEFAULT_PIDS_LIMITS[service]} \\S+$`);
                assert.match(reveal(pids.inputs.create), limit, service);
                assert.deepStrictEqual(reveal(pids.inputs.triggers), [`${service}-id`], `${service}: set again on every new container`);
            }
        });

        if (stack === "production") {
            it("runs the backup scheduler's two sidecars with memory and pids limits too", () => {
                for (const [role, limits] of Object.entries(SIDECAR_LIMITS)) {
                    const c = one(run, TYPES.container, role).inputs;
                    assert.deepStrictEqual([c.memory, c.memorySwap], [limits.memoryMb, limits.memoryMb], role);
                    assert.deepStrictEqual([c.securityOpts, c.capabilities.drops], [["no-new-privileges"], ["ALL"]], role);
                    const pids = one(run, TYPES.command, `${role}-pids-limit`);
                    assert.match(reveal(pids.inputs.create), new RegExp(`^docker -H unix:///var/run/docker.sock update --pids-limit ${limits.pidsLimit} \\S+$`), role);
                    assert.deepStrictEqual(reveal(pids.inputs.triggers), [`${role}-id`], `${role}: set again on every new container`);
                }
            });

            it("hardens the sync key's holder too, although it is never started", () => {
                const holder = one(run, TYPES.container, "sync-key-holder").inputs;
                assert.deepStrictEqual([holder.start, holder.networkMode], [false, "none"]);
                assert.deepStrictEqual([holder.securityOpts, holder.capabilities], [["no-new-privileges"], { drops: ["ALL"] }]);
                assert.deepStrictEqual([holder.memory, holder.memorySwap], [SYNC_KEY_HOLDER_MEMORY_MB, SYNC_KEY_HOLDER_MEMORY_MB]);
            });
        }

        it("gives every container a healthcheck, restart policy, log rotation, labels and a health wait", () => {
            for (const service of CONTAINERS) {
                const c = container(service).inputs;
                assert.strictEqual(c.healthcheck.interval, "5s");
                assert.match(c.healthcheck.startPeriod, /^(\d+m)?\d+s$/, "Go duration format, as the provider reads it back");
                assert.strictEqual(c.healthcheck.tests[0], "CMD-SHELL");
                assert.ok(c.healthcheck.tests[1].length > 10);
                assert.strictEqual(c.restart, "unless-stopped");
                assert.strictEqual(c.logDriver, "json-file");
                assert.deepStrictEqual(c.logOpts, { "max-size": "10m", "max-file": "3" });
                assert.strictEqual(c.wait, true);
                assert.ok(c.stopTimeout >= (service === "postgres" || service === "neo4j" ? 30 : 10), `${service} stop timeout`);
                const labels = Object.fromEntries(c.labels.map((l: any) => [l.label, l.value]));
                assert.deepStrictEqual(labels, {
                    "pa.project": "pa-ecosystem",
                    "pa.stack": stack,
                    "pa.environment": stack === "production" ? "production" : "staging",
                    "pa.service": service,
                });
            }
        });

        it("starts the apps only after the Postgres container (which waits for healthy)", () => {
            const postgresUrn = "docker:index/container:Container::postgres";
            for (const app of APPS) {
                assert.ok(container(app).dependencies.some((d) => d.endsWith(postgresUrn)), `${app} depends on postgres`);
            }
            assert.ok(!container("neo4j").dependencies.some((d) => d.endsWith(postgresUrn)));
        });

        it("runs every container from a kept, pinned image", () => {
            for (const image of byType(run, TYPES.image)) {
                assert.strictEqual(image.inputs.keepLocally, true);
                assert.doesNotMatch(image.inputs.name, /:latest$/);
                assert.match(image.inputs.name, /:[\w][\w.-]+$/);
            }
        });

        it("exports the URLs and the names the operator commands need", () => {
            const { urls, containers, gatewayContainer, networks, volumes, credentials } = run.outputs;
            assert.strictEqual(urls.letta, `http://${expected.bindAddress}:8283`);
            assert.strictEqual(urls.openWebui, `http://${expected.bindAddress}:8080`);
            assert.strictEqual(urls.n8n, `http://${expected.bindAddress}:5678`);
            assert.strictEqual(urls.postgres !== undefined, stack !== "production");
            assert.strictEqual(containers.postgres, `pa-${stack}-postgres`);
            assert.match(containers.n8n, new RegExp(`^pa-${stack}-n8n-`));
            assert.strictEqual(gatewayContainer, `pa-${stack}-gateway`);
            assert.strictEqual(networks.backend, networkName("backend"));
            assert.strictEqual(volumes.postgres.data, `pa-${stack}-postgres-data`);
            assert.strictEqual(credentials.neo4jPassword, run.generated.neo4jPassword);
            assert.strictEqual(run.outputs.dockerHost, "unix:///var/run/docker.sock", "the engine the operator commands reach");
        });

        it(`${stack === "production" ? "protects" : "does not protect"} the data volumes from deletion`, () => {
            const volumes = dataVolumes();
            assert.strictEqual(volumes.length, 5);
            for (const volume of volumes) assert.strictEqual(volume.protect, stack === "production", volume.name);
        });

        it("replaces a database or the gateway by stopping the old one first (fixed name, ports, data)", () => {
            for (const service of ["postgres", "neo4j", "gateway"]) {
                assert.strictEqual(container(service).deleteBeforeReplace, true, service);
                assert.strictEqual(container(service).inputs.name, `pa-${stack}-${HOSTNAMES[service as "postgres"]}`);
            }
        });

        it("replaces an app by starting the new one first, under a name Pulumi makes per replacement", () => {
            for (const app of APPS) {
                assert.strictEqual(container(app).deleteBeforeReplace, false, app);
                assert.strictEqual(container(app).inputs.name, undefined, `${app} is auto-named`);
            }
        });

        it("gives the gateway a route to each app's health-checked copies on its container port", () => {
            const gateway = container("gateway").inputs;
            const [upload] = gateway.uploads;
            assert.strictEqual(upload.file, "/usr/local/etc/haproxy/haproxy.cfg");
            for (const [host, port, health] of [["letta", 8283, "/v1/health/"], ["open-webui", 8080, "/health"], ["n8n", 5678, "/healthz/readiness"]]) {
                assert.match(upload.content, new RegExp(`bind :${port}\n`));
                assert.match(upload.content, new RegExp(`uri ${health}\n`));
                assert.match(upload.content, new RegExp(`server-template ${host}- \\d+ ${host}:${port}\\n`));
            }
            assert.deepStrictEqual([gateway.memory, gateway.cpus], [128, "0.5"]);
        });
    });
}

describe("a production on a server reached over ssh:// (mock engine)", () => {
    it("never prompts and never reaches a host whose key changed: the provider and every pids limit's docker update", async () => {
        const run = await runStack("production", { ...stackFileConfig("production"), "pa:dockerHost": "ssh://deploy@server.example" });
        const [provider] = byType(run, TYPES.dockerProvider);
        assert.strictEqual(provider.inputs.host, "ssh://deploy@server.example");
        const sshOpts: string[] = typeof provider.inputs.sshOpts === "string" ? JSON.parse(provider.inputs.sshOpts) : provider.inputs.sshOpts;
        assert.deepStrictEqual(sshOpts, ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=20"]);
        const limits = byType(run, TYPES.command).filter((c) => c.name.endsWith("-pids-limit"));
        assert.strictEqual(limits.length, 8, "six services and the backup scheduler's two sidecars");
        for (const limit of limits) {
            assert.match(reveal(limit.inputs.create), /^ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=20 -l deploy -- server\.example 'docker update --pids-limit \d+ \S+'$/, limit.name);
        }
    });

    it("pins the server's host key to pa:sshKnownHosts in the provider, every pids limit and the stack's outputs", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pa-known-hosts-"));
        const knownHosts = path.join(dir, "known_hosts");
        fs.writeFileSync(knownHosts, "server.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey\n");
        try {
            const run = await runStack("production", { ...stackFileConfig("production"), "pa:dockerHost": "ssh://deploy@server.example", "pa:sshKnownHosts": knownHosts });
            const [provider] = byType(run, TYPES.dockerProvider);
            const sshOpts: string[] = typeof provider.inputs.sshOpts === "string" ? JSON.parse(provider.inputs.sshOpts) : provider.inputs.sshOpts;
            assert.deepStrictEqual(sshOpts.slice(-2), ["-o", `UserKnownHostsFile="${knownHosts}"`]);
            for (const limit of byType(run, TYPES.command).filter((c) => c.name.endsWith("-pids-limit"))) {
                assert.ok(reveal(limit.inputs.create).includes(`-o 'UserKnownHostsFile="${knownHosts}"' -l deploy`), `${limit.name}: ${reveal(limit.inputs.create)}`);
            }
            assert.strictEqual(run.outputs.sshKnownHosts, knownHosts);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("refuses a known_hosts file that is relative or missing, naming the fix", () => {
        const config = { ...stackFileConfig("production"), "pa:dockerHost": "ssh://deploy@server.example" };
        assert.throws(() => parseStackConfig("production", { ...config, "pa:sshKnownHosts": "known_hosts" }), /sshKnownHosts.*absolute path/s);
        assert.throws(() => parseStackConfig("production", { ...config, "pa:sshKnownHosts": "/nonexistent/known_hosts" }), /sshKnownHosts.*names no file here/s);
        assert.throws(() => parseStackConfig("production", { ...config, "pa:sshKnownHosts": "/home/me/\"pa\"/known_hosts" }), /sshKnownHosts.*double quote.*plainer path/s);
    });
});
