// The SQL a production session runs first: temporary functions (pg_temp, gone when the session ends,
// invisible to other sessions, never in a dump) that sanitize values and check rows. The key only
// reaches the database inside these statements, sent on psql's stdin, never on a command line.
import { createHash, createHmac } from "crypto";
import { EMAIL_PATTERN, MIN_NAME_LENGTH, PHONE_PATTERN, PHONE_PREFILTER, SANITIZED_EMAIL_PATTERN, SANITIZED_FIRST_NAME, SANITIZED_LAST_NAME, SANITIZED_NAME, SANITIZED_PHONE } from "./patterns";

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
 * Lines of a format() template: a literal % is written %%; %1$L is the names pattern, %2$L its
 * prefilter, %3$L the names longest first.
 */
function formatTemplate(lines: string[]): string[] {
    return ["SELECT format($def$", ...lines.map((line) => line.replace(/%/g, "%%").replace(/%%([123])\$L/g, "%$1$L"))];
}

/**
 * The names prefilter: `t LIKE ANY (<these>)` is true whenever the names pattern matches, because a
 * match contains a whole name. Names containing another name are left out (the shorter one is found
 * anyway). LIKE over a few dozen needles costs about a fifth of a regex alternation of the same names.
 */
const NAME_LIKES_SQL =
    `SELECT coalesce(array_agg('%' || replace(replace(replace(a.n, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'), '{}')::text ` +
    `FROM pa_names_clean a WHERE NOT EXISTS (SELECT 1 FROM pa_names_clean b WHERE b.n <> a.n AND strpos(a.n, b.n) > 0)`;

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * psql input defining the pa_* functions. `namesFiles` are files inside the production container
 * holding the person names to look for (COPY text format), written there by an earlier step.
 */
export function sessionPrelude(key: string, namesFiles: readonly string[]): string {
    const { inner, outer } = hmacPads(key);
    const digest = (value: string) =>
        `left(encode(sha256('\\x${outer}'::bytea || sha256('\\x${inner}'::bytea || convert_to(lower(btrim(${value})), 'UTF8'))), 'hex'), 16)`;
    const lines = [
        `\\set ON_ERROR_STOP 1`,
        `\\set QUIET 1`,
        `SET client_min_messages = warning;`,
        `CREATE TEMP TABLE pa_names (n text);`,
    ];
    for (const file of namesFiles) lines.push(`\\copy pa_names FROM ${literal(file)}`);
    lines.push(
        `CREATE TEMP TABLE pa_names_clean AS SELECT DISTINCT btrim(n) AS n FROM pa_names WHERE length(btrim(n)) >= ${MIN_NAME_LENGTH}`,
        `  AND btrim(n) NOT IN (${[SANITIZED_NAME, SANITIZED_FIRST_NAME, SANITIZED_LAST_NAME].map(literal).join(", ")});`,
        // Whole-word, case-sensitive, longest first, so "Ann Lee" is replaced before "Ann".
        `SELECT coalesce('(?<![A-Za-z])(?:' || string_agg(regexp_replace(n, '([.^$*+?()\\[\\]{}|\\\\])', '\\\\\\1', 'g'), '|' ORDER BY length(n) DESC, n) || ')(?![A-Za-z])', '') AS names_re`,
        `  , (${NAME_LIKES_SQL}) AS name_likes, coalesce(array_agg(n ORDER BY length(n) DESC, n), '{}')::text AS names_longest_first FROM pa_names_clean \\gset`,
        `CREATE FUNCTION pg_temp.pa_email(e text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$`,
        `  SELECT CASE WHEN e IS NULL THEN NULL ELSE 'user-' || ${digest("e")} || '@example.com' END $$;`,
        `CREATE FUNCTION pg_temp.pa_handle(e text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$`,
        `  SELECT CASE WHEN e IS NULL THEN NULL ELSE 'user-' || ${digest("e")} END $$;`,
        ...formatTemplate([
        // With `checked`, a value the sanitizer changed is scanned before it is returned (PA_SCAN_HIT);
        // a value it left alone failed every prefilter of the scan, so it cannot leak. STRICT: NULLs
        // (most free-text columns of most rows) never enter the function.
        `CREATE FUNCTION pg_temp.pa_text(t text, checked boolean DEFAULT false) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT AS $body$`,
        `DECLARE found text; name text; changed boolean := false;`,
        `BEGIN`,
        `  IF strpos(t, '@') > 0 THEN`,
        `    changed := true;`,
        // Longest first, so an address that contains another one is replaced whole.
        `    FOR found IN SELECT m[1] FROM regexp_matches(t, '(' || ${literal(EMAIL_PATTERN)} || ')', 'g') m GROUP BY 1 ORDER BY length(m[1]) DESC LOOP`,
        `      t := replace(t, found, pg_temp.pa_email(found));`,
        `    END LOOP;`,
        `  END IF;`,
        `  IF t ~ ${literal(PHONE_PREFILTER)} THEN changed := true; t := regexp_replace(t, ${literal(PHONE_PATTERN)}, ${literal(SANITIZED_PHONE)}, 'g'); END IF;`,
        // Name by name, each found by strpos first: PostgreSQL's regex engine is slow on a long
        // alternation (about 4x a few single-name patterns). Longest first, so "Ann Lee" goes before "Ann".
        `  IF t LIKE ANY (%2$L::text[]) THEN`,
        `    changed := true;`,
        `    FOREACH name IN ARRAY %3$L::text[] LOOP`,
        `      IF strpos(t, name) > 0 THEN`,
        `        t := regexp_replace(t, '(?<![A-Za-z])' || regexp_replace(name, '([.^$*+?()\\[\\]{}|\\\\])', '\\\\\\1', 'g') || '(?![A-Za-z])', ${literal(SANITIZED_NAME)}, 'g');`,
        `      END IF;`,
        `    END LOOP;`,
        `  END IF;`,
        `  IF checked AND changed AND pg_temp.pa_leaks(t) THEN RAISE EXCEPTION 'PA_SCAN_HIT'; END IF;`,
        `  RETURN t;`,
        `END $body$;`,
        `CREATE FUNCTION pg_temp.pa_leaks(t text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $body$`,
        `  SELECT t IS NOT NULL AND (`,
        `    (strpos(t, '@') > 0 AND regexp_replace(t, ${literal(SANITIZED_EMAIL_PATTERN)}, '', 'g') ~ ${literal(EMAIL_PATTERN)})`,
        `    OR (t ~ ${literal(PHONE_PREFILTER)} AND t ~ ${literal(PHONE_PATTERN)})`,
        `    OR (t LIKE ANY (%2$L::text[]) AND t ~ %1$L)) $body$;`,
        ]),
        `$def$, :'names_re', :'name_likes', :'names_longest_first') \\gexec`,
        // The message names no value: the caller counts hits per column with pa_leaks.
        `CREATE FUNCTION pg_temp.pa_pass(t text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$`,
        `BEGIN IF pg_temp.pa_leaks(t) THEN RAISE EXCEPTION 'PA_SCAN_HIT'; END IF; RETURN true; END $$;`,
    );
    return lines.join("\n") + "\n";
}

/**
 * psql input printing `<hex HMAC-SHA256(key, name)>|<length>` for each person name of `sources`: the
 * graph sanitizer finds names by these hashes, so the names themselves never leave the database.
 */
export function nameHashQuery(key: string, sources: readonly string[]): string {
    const { inner, outer } = hmacPads(key);
    const union = sources.map((s, i) => `SELECT * FROM (${s}) s${i}`).join(" UNION ALL ");
    return (
        `SELECT DISTINCT encode(sha256('\\x${outer}'::bytea || sha256('\\x${inner}'::bytea || convert_to(n, 'UTF8'))), 'hex') || '|' || char_length(n)\n` +
        `FROM (SELECT btrim(n) AS n FROM (${union}) names(n)) names\n` +
        `WHERE length(n) >= ${MIN_NAME_LENGTH} AND n NOT IN (${[SANITIZED_NAME, SANITIZED_FIRST_NAME, SANITIZED_LAST_NAME].map(literal).join(", ")});\n`
    );
}
