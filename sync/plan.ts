// Decides, per table, the SELECT that produces its sanitized rows and the check every row must pass
// before it leaves production. Plain functions over the catalog, so they are unit-tested without a database.
import { AppService } from "../config/schema";
import { CatalogColumn, CatalogTable, qualifiedName, quoteIdent } from "./catalog";
import { APP_RULES, AppRules, ColumnRule, NEUTRALIZING_RULES } from "./rules";
import { SANITIZED_FIRST_NAME, SANITIZED_LAST_NAME, SANITIZED_NAME, SANITIZED_PHONE } from "./patterns";

/** Types that cannot hold text, so they cannot hold an email, a phone number or a name. */
const NON_TEXT_TYPES = new Set([
    "int2", "int4", "int8", "float4", "float8", "numeric", "money", "bool", "date", "time", "timetz",
    "timestamp", "timestamptz", "interval", "uuid", "oid", "bit", "varbit", "vector", "halfvec", "sparsevec",
]);
/** Categories without free text: numbers, booleans, dates, enums (their labels live in the schema). */
const NON_TEXT_CATEGORIES = new Set(["N", "B", "D", "E", "T"]);

export interface TablePlan {
    table: CatalogTable;
    /** The rules applied, by column (unlisted columns are copied as they are). */
    appliedRules: Record<string, ColumnRule>;
    /** Columns the row check reads. */
    scannedColumns: string[];
    /** The sanitized rows, unchecked. */
    sanitized: string;
    /** A SELECT producing the rows to copy, in the order of `columnList`, failing on any leaking row. */
    select: string;
    /** `"a", "b"`, for the COPY on the staging side. */
    columnList: string;
    /** Whether the table is copied without rows. */
    emptied: boolean;
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
    const expressions = table.columns.map((column) => {
        const source = `t.${quoteIdent(column.name)}`;
        const rule = rules.columns[`${table.name}.${column.name}`];
        const override = rules.overrides[`${table.name}.${column.name}`];
        const applies = rule !== undefined && (options.sanitize || NEUTRALIZING_RULES.has(rule));
        if (applies) appliedRules[column.name] = rule;
        const ruled = applies ? ruleExpression(rule, column, source) : source;
        // Both sides as text: COPY prints a json value and its text the same way.
        const expression = override ? `coalesce((${override})::text, (${ruled})::text)` : ruled;
        return `${expression} AS ${quoteIdent(column.name)}`;
    });
    const scannedColumns = options.sanitize ? table.columns.filter(isScannable).map((c) => c.name) : [];
    const sanitized = `SELECT ${expressions.join(", ")} FROM ONLY ${qualifiedName(table)} t${emptied ? " WHERE false" : ""}`;
    const columnList = table.columns.map((c) => quoteIdent(c.name)).join(", ");
    // OFFSET 0 keeps the subquery from being flattened, so each sanitizing expression runs once per row.
    const select =
        scannedColumns.length === 0
            ? sanitized
            : `SELECT ${columnList} FROM (${sanitized} OFFSET 0) s WHERE pg_temp.pa_pass(concat_ws(E'\\n', ${scannedColumns
                  .map((name) => textOf(`s.${quoteIdent(name)}`, table.columns.find((c) => c.name === name)!))
                  .join(", ")}))`;
    return { table, appliedRules, scannedColumns, sanitized, select, columnList, emptied };
}

/** The count of leaking values per scanned column: run only after a row check failed, it returns counts, never values. */
export function leakCountQuery(plan: TablePlan): string {
    const counts = plan.scannedColumns.map((name) => {
        const column = plan.table.columns.find((c) => c.name === name)!;
        return `count(*) FILTER (WHERE pg_temp.pa_leaks(${textOf(`s.${quoteIdent(name)}`, column)}))`;
    });
    return `SELECT json_build_array(${counts.join(", ")}) FROM (${plan.sanitized} OFFSET 0) s`;
}

function textOf(reference: string, column: CatalogColumn): string {
    if (column.type === "bytea") return `encode(${reference}, 'escape')`;
    return column.category === "S" ? reference : `${reference}::text`;
}

function ruleExpression(rule: ColumnRule, column: CatalogColumn, source: string): string {
    const keepNull = (value: string) => `CASE WHEN ${source} IS NULL THEN NULL ELSE ${value} END`;
    switch (rule) {
        case "email":
            return `pg_temp.pa_email(${source})`;
        case "handle":
            return `pg_temp.pa_handle(${source})`;
        case "phone":
            return keepNull(`'${SANITIZED_PHONE}'`);
        case "name":
            return keepNull(`'${SANITIZED_NAME}'`);
        case "firstName":
            return keepNull(`'${SANITIZED_FIRST_NAME}'`);
        case "lastName":
            return keepNull(`'${SANITIZED_LAST_NAME}'`);
        case "text":
            return `pg_temp.pa_text(${textOf(source, column)})`;
        case "secret":
            return column.notNull ? (column.category === "S" ? "''" : "'null'") : "NULL";
        case "off":
            return "false";
        case "clear":
            return "NULL";
    }
}
