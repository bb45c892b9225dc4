// Decides, per table, the SELECT whose rows are copied (whole-value rules and exceptions applied in
// SQL) and what the row sanitizer does with each column (free text sanitized, the rest scanned).
// Plain functions over the catalog, so they are unit-tested without a database.
import { AppService } from "../config/schema";
import { CatalogColumn, CatalogTable, qualifiedName, quoteIdent } from "./catalog";
import { APP_RULES, AppRules, ColumnRule, NEUTRALIZING_RULES } from "./rules";
import { SANITIZED_FIRST_NAME, SANITIZED_LAST_NAME, SANITIZED_NAME, SANITIZED_PHONE } from "./patterns";
import type { RowColumn } from "./row-sanitizer";
import { keyWords } from "./pii/secrets";

/** Types that cannot hold text, so they cannot hold an email, a phone number or a name. */
/** pgvector's types: embeddings of raw text, which can be inverted back to it. */
const VECTOR_TYPES = new Set(["vector", "halfvec", "sparsevec"]);
const NON_TEXT_TYPES = new Set([
    ...VECTOR_TYPES,
    "int2", "int4", "int8", "float4", "float8", "numeric", "money", "bool", "date", "time", "timetz",
    "timestamp", "timestamptz", "interval", "uuid", "oid", "bit", "varbit",
]);
/** Categories without free text: numbers, booleans, dates, enums (their labels live in the schema). */
const NON_TEXT_CATEGORIES = new Set(["N", "B", "D", "E", "T"]);
/** Words in a column name that say a number or a date identifies a person (a phone as bigint, a birth date). */
const PERSONAL_NUMBER_WORDS = new Set(["phone", "phones", "mobile", "telephone", "tel", "fax", "cellphone", "birth", "birthday", "birthdate", "dob", "ssn", "iban", "passport", "taxid", "tin", "nin"]);
const PERSONAL_NUMBER_PAIRS = ["tax id", "tax number", "tax no", "social security", "national id", "id number"];

/** Whether a non-text column's name says it identifies a person (replaced when sanitizing). */
export function isPersonalNumber(column: CatalogColumn): boolean {
    if (isScannable(column) || column.type === "bool" || column.type === "uuid" || VECTOR_TYPES.has(column.type)) return false;
    const words = keyWords(column.name);
    const joined = words.join(" ");
    return words.some((w) => PERSONAL_NUMBER_WORDS.has(w)) || PERSONAL_NUMBER_PAIRS.some((pair) => ` ${joined} `.includes(` ${pair} `));
}

/** Rules whose output is a constant, NULL or a keyed pseudonym whatever the input: nothing left to scan. */
const WHOLE_VALUE_RULES: ReadonlySet<ColumnRule> = new Set(["email", "handle", "phone", "name", "firstName", "lastName", "secret", "password", "off", "clear"]);

export interface TablePlan {
    table: CatalogTable;
    /** The rules applied, by column (unlisted columns are copied as they are). */
    appliedRules: Record<string, ColumnRule>;
    /** Columns checked for personal data after sanitizing (free text when the sanitizer changed it, the rest always). */
    scannedColumns: string[];
    /** What the row sanitizer does with each column, in the order of `columnList` (sanitizing only). */
    rowColumns: RowColumn[];
    /** A SELECT producing the rows to copy, in the order of `columnList`; free text comes raw, for the row sanitizer. */
    select: string;
    /** The same SELECT over part of the table's pages (`[from, to)`, `to` undefined for the rest). */
    selectPages: (range: PageRange) => string;
    /** `"a", "b"`, for the COPY on the staging side. */
    columnList: string;
    /** Whether the table is copied without rows. */
    emptied: boolean;
}

export interface PageRange {
    from: number;
    to?: number;
}

export interface PlanOptions {
    app: AppService;
    /** Replace personal data (laptop profile); secrets and side effects are neutralized either way. */
    sanitize: boolean;
}

export function isScannable(column: CatalogColumn): boolean {
    return !NON_TEXT_TYPES.has(column.type) && !NON_TEXT_CATEGORIES.has(column.category);
}

export function planTable(table: CatalogTable, options: PlanOptions, rules: AppRules = APP_RULES[options.app]): TablePlan {
    const emptied = rules.emptyTables.includes(table.name);
    const appliedRules: Record<string, ColumnRule> = {};
    for (const column of table.columns) {
        const rule = rules.columns[`${table.name}.${column.name}`];
        if (rule !== undefined && (options.sanitize || NEUTRALIZING_RULES.has(rule))) appliedRules[column.name] = rule;
    }
    const override = (column: CatalogColumn) => rules.overrides[`${table.name}.${column.name}`];
    // Opaque values (bytes, embeddings, numbers that identify a person) become placeholders on a laptop: nothing left to scan.
    const opaque = (column: CatalogColumn) => options.sanitize && (column.type === "bytea" || VECTOR_TYPES.has(column.type) || isPersonalNumber(column));
    const scannedColumns = options.sanitize
        ? table.columns.filter((c) => isScannable(c) && !opaque(c) && !(WHOLE_VALUE_RULES.has(appliedRules[c.name]) && !override(c))).map((c) => c.name)
        : [];
    const rowColumns = table.columns.map((column) => {
        const text = appliedRules[column.name] === "text";
        const people = text && rules.conversations.includes(`${table.name}.${column.name}`);
        return { name: column.name, text, people, scan: !text && scannedColumns.includes(column.name) };
    });
    const expressions = table.columns.map((column) => {
        const source = `t.${quoteIdent(column.name)}`;
        const rule = appliedRules[column.name];
        // Free text is sanitized by the row sanitizer, after the SELECT; opaque values become placeholders here.
        const ruled = rule && rule !== "text" ? ruleExpression(rule, column, source) : opaque(column) ? opaqueExpression(column, source) : source;
        // Both sides as text: COPY prints a json value and its text the same way.
        const expression = override(column) ? `coalesce((${override(column)})::text, (${ruled})::text)` : ruled;
        return `${expression} AS ${quoteIdent(column.name)}`;
    });
    const from = (where?: string) => {
        const conditions = [...(emptied ? ["false"] : []), ...(where ? [where] : [])];
        return `SELECT ${expressions.join(", ")} FROM ONLY ${qualifiedName(table)} t${conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : ""}`;
    };
    const columnList = table.columns.map((c) => quoteIdent(c.name)).join(", ");
    return { table, appliedRules, scannedColumns, rowColumns, select: from(), selectPages: (range) => from(pageCondition(range)), columnList, emptied };
}

/**
 * What an opaque value becomes on a laptop: bytes a placeholder, embeddings a zero vector of the same
 * size (or NULL), numbers and dates that identify a person NULL (or zero / 1970-01-01 when NOT NULL).
 */
function opaqueExpression(column: CatalogColumn, source: string): string {
    if (column.type === "bytea") return keepNull(source, `convert_to('[binary content removed by the sync]', 'UTF8')`);
    if (VECTOR_TYPES.has(column.type)) {
        return column.notNull && column.type !== "sparsevec" ? `array_fill(0::real, ARRAY[vector_dims(${source})])::vector::${column.type}` : "NULL";
    }
    if (!column.notNull) return "NULL";
    // NOT NULL: the type's zero (a time of day has no date).
    if (column.type === "time" || column.type === "timetz") return `'00:00'::${column.type}`;
    if (column.category === "D") return `'1970-01-01'::${column.type}`;
    if (column.category === "T") return `'0'::${column.type}`;
    return column.category === "N" ? "0" : `'0'::${column.type}`;
}

/** The value, or NULL where the source is NULL. */
function keepNull(source: string, value: string): string {
    return `CASE WHEN ${source} IS NULL THEN NULL ELSE ${value} END`;
}

/** A TID range (a TID range scan since PostgreSQL 14): the rows stored in pages [from, to). */
export function pageCondition(range: PageRange): string {
    const lower = `t.ctid >= '(${range.from},0)'::tid`;
    return range.to === undefined ? lower : `${lower} AND t.ctid < '(${range.to},0)'::tid`;
}

function ruleExpression(rule: Exclude<ColumnRule, "text">, column: CatalogColumn, source: string): string {
    switch (rule) {
        case "email":
            return `pg_temp.pa_email(${source})`;
        case "handle":
            return `pg_temp.pa_handle(${source})`;
        case "phone":
            return keepNull(source, `'${SANITIZED_PHONE}'`);
        case "name":
            return keepNull(source, `'${SANITIZED_NAME}'`);
        case "firstName":
            return keepNull(source, `'${SANITIZED_FIRST_NAME}'`);
        case "lastName":
            return keepNull(source, `'${SANITIZED_LAST_NAME}'`);
        case "secret":
        case "password":
            return column.notNull ? (column.category === "S" ? "''" : "'null'") : "NULL";
        case "off":
            return "false";
        case "clear":
            return "NULL";
    }
}
