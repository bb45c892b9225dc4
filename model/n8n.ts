// n8n on its own database, with its encryption key and public URLs set explicitly.
import { StackConfig } from "../config/schema";
import { ContainerSpec, containerSpec, healthcheck, localUrl } from "./container";
import { appDatabase } from "./databases";
import { HOSTNAMES } from "./names";
import { secretRef } from "./secrets";

export function n8nUrl(cfg: StackConfig): string {
    return cfg.publicUrls.n8n ?? (localUrl(cfg, "n8n") as string);
}

export function n8nSpec(cfg: StackConfig): ContainerSpec {
    const db = appDatabase("n8n");
    const url = n8nUrl(cfg);
    return containerSpec(cfg, {
        tier: "app",
        service: "n8n",
        image: cfg.images.n8n,
        env: {
            DB_TYPE: "postgresdb",
            DB_POSTGRESDB_HOST: HOSTNAMES.postgres,
            DB_POSTGRESDB_PORT: "5432",
            DB_POSTGRESDB_DATABASE: db.name,
            DB_POSTGRESDB_USER: db.name,
            DB_POSTGRESDB_PASSWORD: secretRef(db.passwordSecret),
            // Set explicitly so credentials stay readable when the data volume is recreated.
            N8N_ENCRYPTION_KEY: secretRef("n8nEncryptionKey"),
            N8N_USER_MANAGEMENT_JWT_SECRET: secretRef("n8nJwtSecret"),
            N8N_PORT: "5678",
            WEBHOOK_URL: `${url}/`,
            N8N_EDITOR_BASE_URL: url,
            // A secure cookie cannot be set over plain http, which would lock the person out.
            N8N_SECURE_COOKIE: url.startsWith("https://") ? "true" : "false",
            N8N_DIAGNOSTICS_ENABLED: "false",
            N8N_LOG_LEVEL: cfg.debug ? "debug" : "info",
        },
        volumes: { data: "/home/node/.n8n" },
        // Readiness turns 200 only once n8n has connected to and migrated its database.
        healthcheck: healthcheck("wget -q --spider http://localhost:5678/healthz/readiness", 90),
        waitTimeoutSeconds: 360,
    });
}
