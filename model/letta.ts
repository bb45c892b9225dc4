// Letta agent server on its own database in the shared Postgres.
import { StackConfig } from "../config/schema";
import { ContainerSpec, containerSpec, healthcheck } from "./container";
import { postgresUri } from "./databases";
import { secretRef } from "./secrets";

export function lettaSpec(cfg: StackConfig, providerKeys: { openai: boolean; anthropic: boolean }): ContainerSpec {
    return containerSpec(cfg, {
        tier: "app",
        service: "letta",
        image: cfg.images.letta,
        env: {
            // Without LETTA_PG_URI the image starts a Postgres of its own inside the container.
            LETTA_PG_URI: postgresUri("letta"),
            LETTA_ENCRYPTION_KEY: secretRef("lettaEncryptionKey"),
            SECURE: "true",
            LETTA_SERVER_PASSWORD: secretRef("lettaServerPassword"),
            ...(providerKeys.openai ? { OPENAI_API_KEY: secretRef("openaiApiKey") } : {}),
            ...(providerKeys.anthropic ? { ANTHROPIC_API_KEY: secretRef("anthropicApiKey") } : {}),
            ...(cfg.debug ? { LETTA_DEBUG: "true" } : {}),
        },
        volumes: {},
        // Letta runs its migrations before it answers, so it gets a long start period.
        healthcheck: healthcheck("curl -fsS http://localhost:8283/v1/health/ >/dev/null", 180),
        waitTimeoutSeconds: 420,
    });
}
