// PostgreSQL with pgvector: one role and database per app, created by an init script on first start.
import { StackConfig } from "../config/schema";
import { APP_DATABASES, POSTGRES_SUPERUSER, passwordEnvVar, postgresInitScript } from "./databases";
import { ContainerSpec, containerSpec, healthcheck } from "./container";
import { secretRef } from "./secrets";

export const POSTGRES_INIT_SCRIPT_PATH = "/docker-entrypoint-initdb.d/10-pa-app-databases.sh";

/** PostgreSQL 18 images moved PGDATA under /var/lib/postgresql/18/docker and the volume up one level. */
export function postgresDataPath(majorVersion: number): string {
    return majorVersion >= 18 ? "/var/lib/postgresql" : "/var/lib/postgresql/data";
}

export function postgresSpec(cfg: StackConfig): ContainerSpec {
    const env: Record<string, string> = {
        POSTGRES_USER: POSTGRES_SUPERUSER,
        POSTGRES_DB: "postgres",
        POSTGRES_PASSWORD: secretRef("postgresSuperuserPassword"),
    };
    for (const db of APP_DATABASES) env[passwordEnvVar(db)] = secretRef(db.passwordSecret);
    return containerSpec(cfg, {
        tier: "database",
        service: "postgres",
        image: cfg.images.postgres,
        env,
        portKeys: cfg.environment === "staging" ? ["postgres"] : [],
        volumes: { data: postgresDataPath(cfg.postgresMajorVersion) },
        // Over TCP: during first init the image runs a socket-only server, so a socket check
        // would report healthy before the init script has created the app databases.
        healthcheck: healthcheck(`pg_isready -h localhost -U ${POSTGRES_SUPERUSER} -d postgres`, 30),
        waitTimeoutSeconds: 180,
        stopTimeoutSeconds: 60,
        uploads: [{ file: POSTGRES_INIT_SCRIPT_PATH, content: postgresInitScript(), executable: true }],
    });
}
