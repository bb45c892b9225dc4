// A small stack of real containers from the locally built test images, started with plain
// `docker run` (no Pulumi), named pa-opstest-*, wired like the program wires them. The operator
// command modules are tested against it for real.
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Service } from "../../config/schema";
import { APP_DATABASES, passwordEnvVar, postgresInitScript } from "../../model/databases";
import { Target } from "../../cli/stacks/target";
import { serviceTestImage } from "../support/images";
import { docker, removePrefixed, waitFor } from "../support/docker";

export const PREFIX = "pa-opstest";
const NETWORK = `${PREFIX}-net`;
// Below Linux's ephemeral range (32768-60999), where an outgoing connection could hold the port.
const PORTS = { letta: 24283, openWebui: 24080, n8n: 24678 };

// Hex, as the stacks' passwords are alphanumeric: a password starting with "-" reads as an option to
// Neo4j's set-initial-password and the container exits (1 run in 64 with base64url).
const secret = () => crypto.randomBytes(18).toString("hex");

export interface OpsStack {
    target: Target;
    /** Services whose image is present and that were started. */
    running: Service[];
}

export function containerOf(service: Service): string {
    return `${PREFIX}-${{ postgres: "postgres", neo4j: "neo4j", letta: "letta", openWebui: "open-webui", n8n: "n8n" }[service]}`;
}

export function volumeOf(service: Service, purpose = "data"): string {
    return `${containerOf(service)}-${purpose}`;
}

/** Starts every service whose test image exists; returns once Postgres accepts connections. */
export function startOpsStack(): OpsStack {
    removeOpsStack();
    docker("network", "create", NETWORK);
    const passwords = { superuser: secret(), neo4j: secret(), letta: secret(), db: Object.fromEntries(APP_DATABASES.map((d) => [d.name, secret()])) };
    const initDir = fs.mkdtempSync(path.join(os.tmpdir(), "pa-opstest-init-"));
    fs.chmodSync(initDir, 0o755); // the entrypoint runs init scripts as the postgres user
    fs.writeFileSync(path.join(initDir, "10-pa-app-databases.sh"), postgresInitScript(), { mode: 0o755 });
    const run = (service: Service, args: string[], command: string[] = []) => {
        docker("run", "-d", "--name", containerOf(service), "--network", NETWORK, "--network-alias", { postgres: "postgres", neo4j: "neo4j", letta: "letta", openWebui: "open-webui", n8n: "n8n" }[service], ...args, serviceTestImage(service), ...command);
    };
    const dbEnv = APP_DATABASES.flatMap((d) => ["-e", `${passwordEnvVar(d)}=${passwords.db[d.name]}`]);
    run("postgres", ["-e", `POSTGRES_PASSWORD=${passwords.superuser}`, "-e", "POSTGRES_USER=postgres", "-e", "POSTGRES_DB=postgres", ...dbEnv,
        "-v", `${volumeOf("postgres")}:/var/lib/postgresql/data`, "-v", `${initDir}:/docker-entrypoint-initdb.d:ro`]);
    waitFor(() => docker("exec", containerOf("postgres"), "psql", "-h", "localhost", "-U", "postgres", "-d", "letta", "-tAc", "select 1") === "1", 90, "postgres init");
    const running: Service[] = ["postgres"];
    const uri = (db: string) => `postgresql://${db}:${passwords.db[db]}@postgres:5432/${db}`;
    const starters: Record<Exclude<Service, "postgres">, () => void> = {
        neo4j: () => run("neo4j", ["-e", `NEO4J_AUTH=neo4j/${passwords.neo4j}`, "-e", "NEO4J_server_memory_heap_max__size=512m", "-e", "NEO4J_server_memory_pagecache_size=128m", "-v", `${volumeOf("neo4j")}:/data`]),
        letta: () => run("letta", ["-e", `LETTA_PG_URI=${uri("letta")}`, "-e", `LETTA_ENCRYPTION_KEY=${secret()}`, "-e", "SECURE=true", "-e", `LETTA_SERVER_PASSWORD=${passwords.letta}`, "-p", `127.0.0.1:${PORTS.letta}:8283`]),
        openWebui: () => run("openWebui", ["-e", `DATABASE_URL=${uri("openwebui")}`, "-e", `WEBUI_SECRET_KEY=${secret()}`, "-p", `127.0.0.1:${PORTS.openWebui}:8080`, "-v", `${volumeOf("openWebui")}:/app/backend/data`]),
        n8n: () => run("n8n", ["-e", "DB_TYPE=postgresdb", "-e", "DB_POSTGRESDB_HOST=postgres", "-e", "DB_POSTGRESDB_DATABASE=n8n", "-e", "DB_POSTGRESDB_USER=n8n", "-e", `DB_POSTGRESDB_PASSWORD=${passwords.db.n8n}`, "-e", `N8N_ENCRYPTION_KEY=${secret()}`, "-e", "N8N_DIAGNOSTICS_ENABLED=false", "-e", "N8N_SECURE_COOKIE=false", "-p", `127.0.0.1:${PORTS.n8n}:5678`, "-v", `${volumeOf("n8n")}:/home/node/.n8n`]),
    };
    for (const [service, start] of Object.entries(starters) as [Service, () => void][]) {
        start();
        running.push(service);
    }
    const services: Service[] = ["postgres", "neo4j", "letta", "openWebui", "n8n"];
    return {
        running,
        target: {
            stack: "opstest",
            containers: Object.fromEntries(services.map((s) => [s, containerOf(s)])) as Record<Service, string>,
            urls: { letta: `http://127.0.0.1:${PORTS.letta}`, openWebui: `http://127.0.0.1:${PORTS.openWebui}`, n8n: `http://127.0.0.1:${PORTS.n8n}` },
            volumes: {
                postgres: { data: volumeOf("postgres") },
                neo4j: { data: volumeOf("neo4j") },
                letta: {},
                openWebui: { data: volumeOf("openWebui") },
                n8n: { data: volumeOf("n8n") },
            },
            images: Object.fromEntries(services.map((s) => [s, serviceTestImage(s)])) as Record<Service, string>,
            credentials: { lettaServerPassword: passwords.letta, neo4jPassword: passwords.neo4j, postgresSuperuserPassword: passwords.superuser },
        },
    };
}

export function removeOpsStack(): void {
    removePrefixed(PREFIX);
}

/** Removes the containers, volumes and networks whose names start with `<prefix>-` (a test suite's own). */
