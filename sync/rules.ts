// Which columns hold what, per app. Columns not named here are copied as they are and then caught by
// the scan if they hold an email, a phone number or a known person's name: the list can lag behind
// an app's schema without leaking, it only makes the sync fail until the list is updated.
import { AppService } from "../config/schema";
import { SECRET_NAME_SQL } from "./pii/secrets";

/**
 * - email/handle/phone/name/firstName/lastName: the whole value becomes its sanitized form.
 * - text: emails, phone numbers and known names inside free text or JSON are replaced.
 * - secret: removed (NULL, or '' where the column is NOT NULL), in every profile.
 * - password: a password hash, removed like a secret when sanitizing; kept on the server profile, where
 *   people sign in to staging with their production accounts.
 * - off: a boolean switched to false, in every profile (staging must not act on the world).
 * - clear: set to NULL, in every profile (callback URLs, schedules).
 */
export type ColumnRule = "email" | "handle" | "phone" | "name" | "firstName" | "lastName" | "text" | "secret" | "password" | "off" | "clear";

export interface AppRules {
    /** `table.column` -> rule; tables are named without their schema. */
    columns: Record<string, ColumnRule>;
    /** Tables copied without rows, in every profile: secrets, tokens, registered webhooks. */
    emptyTables: readonly string[];
    /** SELECTs returning one person name per row, for the names searched in free text. */
    nameSources: readonly string[];
    /**
     * `table.column` of "text" columns where people write about people (chats, messages, memory,
     * passages): there, names no table knows are also looked for by a tagger (sync/pii/people.ts).
     */
    conversations: readonly string[];
    /** Per-row exceptions as SQL over the source row `t` (column -> expression, NULL for no exception), in every profile. */
    overrides: Record<string, string>;
}

/** SQL: whether a name says it holds a secret, camelCase split into words first, as isSecretKey() does in JavaScript. */
const namedLikeSecret = (name: string) => `regexp_replace(${name}, '([a-z0-9])([A-Z])', '\\1_\\2', 'g') ~* '${SECRET_NAME_SQL}'`;

/** Rules that protect the world from staging, applied whether or not the profile sanitizes PII. */
export const NEUTRALIZING_RULES: ReadonlySet<ColumnRule> = new Set(["secret", "off", "clear"]);

const text = (table: string, ...columns: string[]): Record<string, ColumnRule> =>
    Object.fromEntries(columns.map((c) => [`${table}.${c}`, "text" as const]));

/** The account Letta creates for itself (letta/services/user_manager.py): a system name, not a person's. */
export const LETTA_DEFAULT_USER_ID = "user-00000000-0000-4000-8000-000000000000";

export const APP_RULES: Record<AppService, AppRules> = {
    n8n: {
        columns: {
            "user.email": "email",
            "user.firstName": "firstName",
            "user.lastName": "lastName",
            "user.password": "password",
            "user.mfaSecret": "secret",
            "user.mfaRecoveryCodes": "secret",
            ...text("user", "personalizationAnswers", "settings"),
            // Personal projects are named "First Last <email>".
            ...text("project", "name", "description"),
            ...text("insights_metadata", "projectName", "workflowName"),
            ...text("workflow_entity", "name", "nodes", "pinData", "staticData", "meta", "description", "settings"),
            "workflow_entity.active": "off",
            "workflow_entity.activeVersionId": "clear",
            ...text("workflow_history", "nodes", "authors", "name", "description"),
            ...text("execution_data", "data", "workflowData"),
            ...text("execution_metadata", "value"),
            ...text("execution_annotations", "note"),
            ...text("processed_data", "value"),
            ...text("settings", "value"),
            ...text("variables", "value"),
            // Executions waiting for a date or a webhook would resume on staging: n8n does not check `active`.
            "execution_entity.waitTill": "clear",
            ...text("chat_hub_messages", "content", "attachments", "name"),
            ...text("chat_hub_sessions", "title"),
            ...text("chat_hub_agents", "systemPrompt", "description"),
            ...text("binary_data", "fileName"),
            "installed_packages.authorEmail": "email",
            "installed_packages.authorName": "name",
            "oauth_clients.clientSecret": "secret",
            ...text("event_destinations", "destination"),
            ...text("test_case_execution", "inputs", "outputs", "errorDetails"),
        },
        emptyTables: [
            "credentials_entity",
            "shared_credentials",
            "user_api_keys",
            "webhook_entity",
            "oauth_access_tokens",
            "oauth_refresh_tokens",
            "oauth_authorization_codes",
            "invalid_auth_token",
        ],
        nameSources: [
            `SELECT "firstName" FROM "user" UNION SELECT "lastName" FROM "user"`,
            `SELECT concat_ws(' ', "firstName", "lastName") FROM "user"`,
        ],
        conversations: ["chat_hub_messages.content"],
        overrides: {
            "execution_entity.status": `CASE WHEN t.status IN ('waiting', 'new', 'running') THEN 'canceled' ELSE NULL END`,
            // Variables named like secrets (OPENAI_API_KEY, SMTP_PASSWORD) hold them.
            "variables.value": `CASE WHEN ${namedLikeSecret("t.key")} THEN '' ELSE NULL END`,
        },
    },
    openWebui: {
        columns: {
            "user.email": "email",
            "auth.email": "email",
            "user.name": "name",
            "user.username": "handle",
            "user.oauth": "secret",
            "user.oauth_sub": "secret",
            "user.api_key": "secret",
            "auth.password": "password",
            "auth.mfa": "secret",
            "app.api_key": "secret",
            "tool.valves": "secret",
            "function.valves": "secret",
            ...text("user", "bio", "info", "settings", "variables", "status_message", "profile_image_url", "scim"),
            ...text("chat", "title", "chat", "summary", "variables", "meta", "tasks"),
            ...text("chat_message", "content", "output", "context_summary", "files", "sources", "embeds", "meta", "error"),
            ...text("shared_chat", "title", "chat"),
            ...text("message", "content", "data", "meta"),
            ...text("memory", "content", "meta"),
            ...text("note", "title", "data", "meta"),
            ...text("feedback", "data", "snapshot", "meta"),
            ...text("file", "filename", "path", "data", "meta"),
            ...text("knowledge", "name", "description", "data", "meta"),
            ...text("document", "content", "filename", "title", "name"),
            ...text("calendar_event", "title", "description", "location", "data", "meta"),
            ...text("calendar_event_attendee", "meta"),
            ...text("automation", "name", "data", "meta"),
            "automation.is_active": "off",
            "automation.next_run_at": "clear",
            ...text("channel", "name", "description", "data", "meta"),
            ...text("folder", "name", "data", "items", "meta"),
            ...text("prompt", "content", "data"),
            ...text("config", "value"),
            ...text("config_old", "data"),
        },
        emptyTables: ["oauth_session", "api_key", "channel_webhook"],
        nameSources: [`SELECT name FROM "user"`],
        conversations: ["chat.chat", "chat_message.content", "shared_chat.chat", "message.content", "memory.content", "note.data"],
        // Admin webhook URLs and the automations switch live in the config table.
        overrides: {
            "config.value":
                `CASE WHEN t."key" ~* 'webhook' THEN '""'::json WHEN t."key" ~* 'enable_automations|automations\\.enable' THEN 'false'::json ` +
                // Provider keys and OAuth client secrets, emptied but of the type Open WebUI expects.
                `WHEN ${namedLikeSecret('t."key"')} THEN (CASE json_typeof(t.value) WHEN 'array' THEN '[]' WHEN 'object' THEN '{}' WHEN 'string' THEN '""' ELSE 'null' END)::json ELSE NULL END`,
        },
    },
    letta: {
        columns: {
            "users.name": "name",
            "identities.name": "name",
            ...text("identities", "identifier_key", "properties"),
            ...text("messages", "text", "content", "tool_calls", "tool_returns", "name", "denial_reason", "approvals"),
            ...text("block", "value", "description", "metadata_"),
            ...text("block_history", "value", "description", "metadata_"),
            ...text("archival_passages", "text", "metadata_", "tags"),
            ...text("source_passages", "text", "metadata_", "file_name"),
            ...text("file_contents", "text"),
            ...text("files", "file_name", "original_file_name", "file_path"),
            ...text("files_agents", "visible_content", "file_name"),
            ...text("agents", "system", "description", "metadata_", "name"),
            ...text("conversations", "summary"),
            ...text("provider_traces", "request_json", "response_json"),
            ...text("steps", "feedback", "error_data"),
            ...text("archives", "description", "metadata_"),
            ...text("sources", "description", "instructions", "metadata_"),
            "providers.api_key": "secret",
            "providers.access_key": "secret",
            "providers.api_key_enc": "secret",
            "providers.access_key_enc": "secret",
            "mcp_server.token": "secret",
            "mcp_server.token_enc": "secret",
            "mcp_server.custom_headers": "secret",
            "mcp_server.custom_headers_enc": "secret",
            // Its env holds keys under names that say so (blanked by name) and others in URLs.
            ...text("mcp_server", "stdio_config", "server_url", "metadata_"),
            "mcp_oauth.access_token": "secret",
            "mcp_oauth.access_token_enc": "secret",
            "mcp_oauth.refresh_token": "secret",
            "mcp_oauth.refresh_token_enc": "secret",
            "mcp_oauth.authorization_code": "secret",
            "mcp_oauth.authorization_code_enc": "secret",
            "mcp_oauth.client_secret": "secret",
            "mcp_oauth.client_secret_enc": "secret",
            "sandbox_environment_variables.value": "secret",
            "sandbox_environment_variables.value_enc": "secret",
            "agent_environment_variables.value": "secret",
            "agent_environment_variables.value_enc": "secret",
            "jobs.callback_url": "clear",
            "runs.callback_url": "clear",
        },
        emptyTables: [],
        // "default_user" searched as a name would hit Open WebUI's config key ui.default_user_role.
        nameSources: [`SELECT name FROM users WHERE id <> '${LETTA_DEFAULT_USER_ID}' UNION SELECT name FROM identities`],
        conversations: ["messages.text", "messages.content", "block.value", "block_history.value", "archival_passages.text", "conversations.summary"],
        overrides: { "users.name": `CASE WHEN t.id = '${LETTA_DEFAULT_USER_ID}' THEN t.name ELSE NULL END` },
    },
};
