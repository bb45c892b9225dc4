// Open WebUI on its own database; uploads and the vector store stay on its data volume.
import { StackConfig } from "../config/schema";
import { ContainerSpec, containerSpec, healthcheck, localUrl } from "./container";
import { postgresUri } from "./databases";
import { secretRef } from "./secrets";

export function openWebuiUrl(cfg: StackConfig): string {
    return cfg.publicUrls.openWebui ?? (localUrl(cfg, "openWebui") as string);
}

export function openWebuiSpec(cfg: StackConfig, providerKeys: { openai: boolean }): ContainerSpec {
    return containerSpec(cfg, {
        tier: "app",
        service: "openWebui",
        image: cfg.images.openWebui,
        env: {
            DATABASE_URL: postgresUri("openWebui"),
            // Set explicitly: otherwise the image generates a key inside the container and every
            // recreate logs everyone out and loses encrypted OAuth tokens.
            WEBUI_SECRET_KEY: secretRef("webuiSecretKey"),
            WEBUI_URL: openWebuiUrl(cfg),
            ...(providerKeys.openai ? { OPENAI_API_KEY: secretRef("openaiApiKey") } : {}),
            // Staging data comes from production, whose `config` table would otherwise override
            // this stack's env (production's URLs, webhooks, automations).
            ...(cfg.environment === "staging" ? { ENABLE_PERSISTENT_CONFIG: "False" } : {}),
            GLOBAL_LOG_LEVEL: cfg.debug ? "DEBUG" : "INFO",
        },
        volumes: { data: "/app/backend/data" },
        healthcheck: healthcheck("curl -fsS http://localhost:8080/health >/dev/null", 120),
        waitTimeoutSeconds: 360,
    });
}
