// A generated production dataset in the apps' real table shapes (schemas dumped from the real images,
// in fixtures/), with personal data planted in the known columns, inside JSON and inside free text.
import * as fs from "fs";
import * as path from "path";
import { LETTA_DEFAULT_USER_ID } from "../../sync/rules";

export interface Person {
    first: string;
    last: string;
    email: string;
    phone: string;
}

const FIRSTS = ["Alice", "Bruno", "Chiara", "Dmitri", "Esther", "Farid", "Greta", "Hiroshi", "Ingrid", "Jamal", "Katalin", "Lorenzo"];
const LASTS = ["Lindqvist", "Okafor", "Moreau", "Petrov", "Haddad", "Novak", "Tanaka", "Brennan", "Castillo", "Whitfield", "Szabo", "Ferreira"];

export const PEOPLE: Person[] = FIRSTS.map((first, i) => ({
    first,
    last: LASTS[i],
    email: `${first}.${LASTS[i]}${i}@mailhost${i % 3}.org`,
    // Formats the sanitizer must recognise, as people type them.
    phone: [`(415) 555-01${10 + i}`, `+44 20 7946 09${10 + i}`, `+1415555${1000 + i}`, `415.555.01${10 + i}`][i % 4],
}));

/** Every planted value: none of them may appear anywhere on staging after a laptop sync. */
export function plantedValues(): string[] {
    return PEOPLE.flatMap((p) => [p.email, p.email.toLowerCase(), p.phone, `${p.first} ${p.last}`, p.first, p.last]);
}

export const SECRETS = { credential: "n8n-credential-ciphertext-4fd1", provider: "sk-live-provider-key-77aa", oauth: "oauth-token-of-alice-1b2c" };

export const FIXTURES = path.join(__dirname, "fixtures");

export function schemaSql(database: string): string {
    return fs.readFileSync(path.join(FIXTURES, `${database}.schema.sql`), "utf8");
}

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
const people = (columns: (p: Person, i: number) => string[]) => PEOPLE.map((p, i) => `(${columns(p, i).join(", ")})`).join(",\n  ");

/** SQL expressions picking person `i % 12` in a generated row. */
const pick = (field: keyof Person, index = "g") => `(ARRAY[${PEOPLE.map((p) => q(p[field])).join(", ")}])[(${index} % ${PEOPLE.length}) + 1]`;
const fullName = (index = "g") => `${pick("first", index)} || ' ' || ${pick("last", index)}`;
/** A free-text line; every fifth one mentions a person. */
const chatter = (index = "g") =>
    `CASE WHEN ${index} % 5 = 0 THEN 'Remind ' || ${fullName(index)} || ' to call ' || ${pick("phone", index)} || ' or write to ' || ${pick("email", index)} || '.' ` +
    `ELSE 'Summarise the quarterly report, section ' || ${index} || ', and list the open action items for the team.' END`;

export interface DatasetSize {
    /** Bulk rows (executions, chat messages, agent messages), spread over the three databases. */
    rows: number;
}

export function n8nData({ rows }: DatasetSize): string {
    const executions = Math.max(1, Math.floor(rows / 6));
    return `
INSERT INTO role (slug, "roleType", "systemRole") VALUES ('global:owner','global',true), ('global:member','global',true),
  ('project:personalOwner','project',true), ('workflow:owner','workflow',true), ('credential:owner','credential',true);
INSERT INTO "user" (id, email, "firstName", "lastName", password, "roleSlug", "personalizationAnswers", settings) VALUES
  ${people((p, i) => [`'00000000-0000-4000-8000-${String(i).padStart(12, "0")}'`, q(p.email), q(p.first), q(p.last), q("$2a$10$hash"), i === 0 ? `'global:owner'` : `'global:member'`, q(JSON.stringify({ companySize: "<20", phone: p.phone })), "NULL"])};
INSERT INTO project (id, name, type) VALUES
  ${people((p, i) => [q(`proj${i}`), q(`${p.first} ${p.last} <${p.email}>`), `'personal'`])};
INSERT INTO project_relation ("projectId", "userId", role) SELECT 'proj' || n, ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, 'project:personalOwner' FROM generate_series(0, ${PEOPLE.length - 1}) n;
INSERT INTO workflow_entity (id, name, active, nodes, connections, "versionId", "pinData") SELECT 'wf' || g, 'Follow up with ' || ${pick("first")}, true,
  json_build_array(json_build_object('name', 'Send Email', 'type', 'n8n-nodes-base.emailSend', 'parameters', json_build_object('toEmail', ${pick("email")}, 'text', 'Hi ' || ${fullName()}))),
  '{}'::json, 'v' || g, json_build_object('Webhook', json_build_array(json_build_object('json', json_build_object('from', ${pick("email")}, 'phone', ${pick("phone")}))))
  FROM generate_series(0, 23) g;
INSERT INTO shared_workflow ("workflowId", "projectId", role) SELECT 'wf' || g, 'proj' || (g % ${PEOPLE.length}), 'workflow:owner' FROM generate_series(0, 23) g;
INSERT INTO credentials_entity (id, name, data, type) VALUES ('cred1', 'Gmail of Alice', ${q(SECRETS.credential)}, 'gmailOAuth2');
INSERT INTO shared_credentials ("credentialsId", "projectId", role) VALUES ('cred1', 'proj0', 'credential:owner');
INSERT INTO webhook_entity ("webhookPath", method, node, "workflowId") VALUES ('hook-1', 'POST', 'Webhook', 'wf1');
INSERT INTO execution_entity (id, finished, mode, status, "workflowId") SELECT g, true, 'trigger', 'success', 'wf' || (g % 24) FROM generate_series(1, ${executions}) g;
INSERT INTO execution_data ("executionId", "workflowData", data) SELECT g, json_build_object('id', 'wf' || (g % 24), 'name', 'Follow up'),
  '[{"resultData":"1","text":"' || ${chatter()} || '"}]' FROM generate_series(1, ${executions}) g;
SELECT setval(pg_get_serial_sequence('execution_entity', 'id'), ${executions});
`;
}

export function openWebuiData({ rows }: DatasetSize): string {
    const messages = Math.max(1, Math.floor(rows / 3));
    const chats = Math.max(1, Math.floor(messages / 20));
    return `
INSERT INTO "user" (id, name, email, username, role, profile_image_url, settings, info, created_at, updated_at, last_active_at) VALUES
  ${people((p, i) => [q(`u${i}`), q(`${p.first} ${p.last}`), q(p.email), q(`${p.first.toLowerCase()}${i}`), `'user'`, `'/user.png'`, "NULL", q(JSON.stringify({ location: "Lyon", phone: p.phone })), "0", "0", "0"])};
INSERT INTO auth (id, email, password, active) VALUES
  ${people((p, i) => [q(`u${i}`), q(p.email), q("$2b$12$hash"), "true"])};
INSERT INTO oauth_session (id, user_id, provider, token, expires_at, created_at, updated_at) SELECT 'o' || n, 'u' || n, 'google', ${q(SECRETS.oauth)}, 0, 0, 0 FROM generate_series(0, 2) n;
INSERT INTO config (key, value) VALUES ('ui.default_user_role', '"pending"'), ('webhook_url', '"https://hooks.prod.example.net/T0"'),
  ('automations.enable', 'true'), ('ui.pending_user_overlay_content', ${q(JSON.stringify(`Ask ${PEOPLE[0].first} ${PEOPLE[0].last} at ${PEOPLE[0].email}`))});
-- Characters COPY escapes (tab, newline, backslash) and non-ASCII around personal data.
INSERT INTO memory (id, user_id, content, updated_at, created_at) VALUES
  ('mem1', 'u1', 'Tab' || chr(9) || ${q(PEOPLE[1].email)} || chr(10) || 'back\\slash ' || ${q(`${PEOPLE[1].first} ${PEOPLE[1].last}`)} || ' café', 0, 0);
INSERT INTO automation (id, user_id, name, data, is_active, created_at, updated_at, next_run_at) VALUES ('a1', 'u0', 'Daily digest', '{"prompt":"Summarise my mail"}', true, 0, 0, 1);
INSERT INTO chat (id, user_id, title, chat, created_at, updated_at) SELECT 'c' || g, 'u' || (g % ${PEOPLE.length}), 'Chat about ' || ${pick("first")},
  json_build_object('messages', json_build_array(json_build_object('role', 'user', 'content', 'My email is ' || ${pick("email")} || ' and my phone ' || ${pick("phone")}))),
  0, 0 FROM generate_series(0, ${chats - 1}) g;
INSERT INTO chat_message (id, chat_id, role, content, created_at, updated_at) SELECT 'm' || g, 'c' || (g % ${chats}), 'user', to_json(${chatter()}), 0, 0
  FROM generate_series(1, ${messages}) g;
`;
}

export function lettaData({ rows }: DatasetSize): string {
    const messages = Math.max(1, rows - Math.floor(rows / 6) * 2 - Math.floor(rows / 3));
    return `
INSERT INTO organizations (id, name, privileged_tools) VALUES ('org-1', 'default_org', false);
INSERT INTO users (id, name, organization_id) VALUES ('${LETTA_DEFAULT_USER_ID}', 'default_user', 'org-1'),
  ${people((p, i) => [q(`user-${i}`), q(`${p.first} ${p.last}`), `'org-1'`])};
INSERT INTO identities (id, identifier_key, name, identity_type, properties, organization_id) VALUES
  ${people((p, i) => [q(`identity-${i}`), q(p.email), q(`${p.first} ${p.last}`), `'user'`, q(JSON.stringify([{ key: "phone", value: p.phone, type: "string" }])), `'org-1'`])};
INSERT INTO agents (id, name, system, message_buffer_autoclear, organization_id) SELECT 'agent-' || g, 'assistant-' || g,
  'You help ' || ${fullName()} || '.', false, 'org-1' FROM generate_series(0, 5) g;
INSERT INTO block (id, label, value, is_template, "limit", read_only, organization_id) SELECT 'block-' || g, 'human',
  'Name: ' || ${fullName()} || E'\\nEmail: ' || ${pick("email")} || E'\\nPhone: ' || ${pick("phone")}, false, 5000, false, 'org-1' FROM generate_series(0, 5) g;
INSERT INTO archives (id, name, vector_db_provider, organization_id) VALUES ('archive-1', 'memories', 'NATIVE', 'org-1');
INSERT INTO archival_passages (id, text, metadata_, organization_id, archive_id) SELECT 'passage-' || g, ${chatter()}, json_build_object('source', ${pick("email")}), 'org-1', 'archive-1'
  FROM generate_series(0, 49) g;
INSERT INTO providers (id, name, provider_type, api_key, organization_id) VALUES ('provider-1', 'openai', 'openai', ${q(SECRETS.provider)}, 'org-1');
INSERT INTO jobs (id, status, job_type, user_id, organization_id, callback_url) VALUES ('job-1', 'completed', 'job', 'user-0', 'org-1', 'https://prod.example.net/callback');
INSERT INTO messages (id, role, text, content, tool_calls, organization_id, agent_id) SELECT 'message-' || g, 'user', ${chatter()},
  json_build_array(json_build_object('type', 'text', 'text', ${chatter()})), '[]'::json, 'org-1', 'agent-' || (g % 6)
  FROM generate_series(1, ${messages}) g;
`;
}

export const DATASETS: Record<string, (size: DatasetSize) => string> = { letta: lettaData, openwebui: openWebuiData, n8n: n8nData };

/**
 * Personal data and secrets in the odd places real data keeps them, written the way the apps write
 * them: a person with a non-ASCII name known only to Letta's identities, mentioned in JSON that
 * Python's json.dumps escaped (Open WebUI, Letta), in n8n's nested node parameters and pinned data,
 * in another case and a national phone format; a table none of the rules knows with a phone number
 * as bigint, a birth date and an embedding; secrets in Open WebUI's config, an n8n variable and an
 * MCP server's environment; an n8n execution waiting to resume.
 */
export const ODD = {
    name: "Jörg Größmann",
    email: "jörg.größmann@bücher.example",
    phone: "030 90876543",
    phoneDigits: "4930908765",
    birthDate: "1984-03-07",
    providerKey: "prov-7c1e-key-not-token-shaped",
    smtpPassword: "hunter2-smtp-relay",
    githubToken: "ghp_0123456789abcdefghijABCDEFGHIJ012345",
    /** A person no app table knows, mentioned in conversations (found by the tagger). */
    untabled: "Margaret Thornbury",
};

/** JSON as Python's json.dumps writes it: every non-ASCII character escaped. */
export const pythonJson = (value: unknown) => JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));

export function oddPlacesData(database: string): string {
    const sentence = `Call ${ODD.name.toUpperCase()} on ${ODD.phone} or mail ${ODD.email}`;
    switch (database) {
        case "letta":
            return `
INSERT INTO identities (id, identifier_key, name, identity_type, properties, organization_id) VALUES ('identity-odd', 'odd-key', ${q(ODD.name)}, 'user', '[]', 'org-1');
INSERT INTO messages (id, role, text, content, tool_calls, organization_id, agent_id) VALUES ('message-odd', 'user', 'see the content', ${q(pythonJson([{ type: "text", text: sentence }]))}, '[]', 'org-1', 'agent-1'),
  ('message-untabled', 'user', ${q(`Yesterday I had lunch with ${ODD.untabled} at the new place.`)}, '[]', '[]', 'org-1', 'agent-1');
INSERT INTO block (id, label, value, is_template, "limit", read_only, organization_id) VALUES ('block-untabled', 'human', ${q(`Friends: ${ODD.untabled}, met in Lyon.`)}, false, 5000, false, 'org-1');
INSERT INTO mcp_server (id, server_name, server_type, stdio_config, organization_id) VALUES ('mcp-1', 'github', 'stdio',
  ${q(JSON.stringify({ command: "npx", args: ["-y", "@modelcontextprotocol/server-github"], env: { GITHUB_PERSONAL_ACCESS_TOKEN: ODD.githubToken } }))}, 'org-1');
CREATE TABLE letta.crm_import (id integer PRIMARY KEY, phone bigint, birth_date date NOT NULL, note text, embedding letta.vector(3));
ALTER TABLE letta.crm_import OWNER TO letta;
INSERT INTO letta.crm_import VALUES (1, ${ODD.phoneDigits}, '${ODD.birthDate}', 'imported from the old CRM', '[0.12,0.5,0.33]');
`;
        case "openwebui":
            return `
INSERT INTO chat (id, user_id, title, chat, created_at, updated_at) VALUES ('chat-odd', 'u0', 'Notes', ${q(pythonJson({ messages: [{ role: "user", content: sentence }, { role: "user", content: `Please draft a thank-you note to ${ODD.untabled} for the flowers.` }] }))}, 0, 0);
INSERT INTO config (key, value) VALUES ('openai.api_keys', ${q(JSON.stringify([ODD.providerKey]))});
`;
        case "n8n":
            return `
INSERT INTO workflow_entity (id, name, active, nodes, connections, "versionId", "pinData") VALUES ('wf-odd', 'CRM sync', false,
  ${q(JSON.stringify([{ name: "Set", type: "n8n-nodes-base.set", parameters: { jsonOutput: pythonJson({ contact: ODD.email, note: sentence }) } }]))}, '{}', 'v-odd',
  ${q(JSON.stringify({ Webhook: [{ json: { caller: ODD.name.toUpperCase(), phone: "+49 30 90876543" } }] }))});
INSERT INTO variables (id, key, value) VALUES ('var-1', 'SMTP_PASSWORD', ${q(ODD.smtpPassword)}), ('var-2', 'REGION', 'eu-west');
INSERT INTO execution_entity (id, finished, mode, status, "workflowId", "waitTill") VALUES (999999, false, 'webhook', 'waiting', 'wf-odd', now() + interval '1 day');
`;
        default:
            return "";
    }
}

/** The odd places' values: none of them may appear anywhere on staging after a laptop sync. */
export function oddPlantedValues(): string[] {
    const escaped = (s: string) => pythonJson(s).slice(1, -1);
    return [ODD.name, ODD.name.toUpperCase(), escaped(ODD.name), escaped(ODD.name.toUpperCase()), ODD.email, escaped(ODD.email), ODD.phone, ODD.phoneDigits, "90876543", ODD.birthDate, ODD.providerKey, ODD.smtpPassword, ODD.githubToken, ODD.untabled, "Thornbury"];
}
