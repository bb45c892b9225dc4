// The keyed pseudonyms in SQL (HMAC-SHA256 with PostgreSQL's built-in sha256()). The key never
// appears on a command line.
import { createHash, createHmac } from "crypto";

const HMAC_BLOCK = 64;

/** The two HMAC-SHA256 pads of a key, so PostgreSQL computes HMAC with its built-in sha256(). */
export function hmacPads(key: string): { inner: string; outer: string } {
    let block = Buffer.from(key, "utf8");
    if (block.length > HMAC_BLOCK) block = createHash("sha256").update(block).digest();
    const padded = Buffer.alloc(HMAC_BLOCK);
    block.copy(padded);
    const xor = (byte: number) => Buffer.from(padded.map((b) => b ^ byte)).toString("hex");
    return { inner: xor(0x36), outer: xor(0x5c) };
}

/** The sanitized email of an address, as the database computes it (used by the tests to cross-check). */
export function sanitizedEmail(key: string, email: string): string {
    const digest = createHmac("sha256", key).update(email.trim().toLowerCase(), "utf8").digest("hex");
    return `user-${digest.slice(0, 16)}@example.com`;
}

/**
 * The SQL a production session runs before its SELECTs: the email and handle pseudonym functions
 * (pg_temp: gone with the session, invisible to other sessions, never in a dump). The key reaches the
 * database only as its HMAC pads inside these statements, sent on stdin, never on a command line.
 */
export function pseudonymFunctions(key: string): string {
    const { inner, outer } = hmacPads(key);
    const digest = (value: string) =>
        `left(encode(sha256('\\x${outer}'::bytea || sha256('\\x${inner}'::bytea || convert_to(lower(btrim(${value})), 'UTF8'))), 'hex'), 16)`;
    return [
        `SET client_min_messages = warning;`,
        `CREATE FUNCTION pg_temp.pa_email(e text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$`,
        `  SELECT CASE WHEN e IS NULL THEN NULL ELSE 'user-' || ${digest("e")} || '@example.com' END $$;`,
        `CREATE FUNCTION pg_temp.pa_handle(e text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$`,
        `  SELECT CASE WHEN e IS NULL THEN NULL ELSE 'user-' || ${digest("e")} END $$;`,
    ].join("\n") + "\n";
}
