// The tables and columns of a database, as the sync needs them: read from pg_catalog, never from a
// list, so a table or column the rules do not know is still copied and scanned.

export interface CatalogColumn {
    name: string;
    /** pg_type.typname, e.g. text, varchar, jsonb, int8, _text. */
    type: string;
    /** pg_type.typcategory: S string, U user-defined (json), A array, E enum, N numeric, ... */
    category: string;
    notNull: boolean;
}

export interface CatalogTable {
    schema: string;
    name: string;
    columns: CatalogColumn[];
    /** Heap pages on disk when the catalog was read (to split big tables between sessions). */
    pages: number;
}

/** Ordinary tables outside the system schemas and not owned by an extension, biggest first. */
export const CATALOG_QUERY = `
SELECT coalesce(json_agg(json_build_object('schema', schema, 'name', name, 'columns', columns, 'pages', size / current_setting('block_size')::int)
                         ORDER BY size DESC, schema, name), '[]')
FROM (
    SELECT n.nspname AS schema, c.relname AS name, pg_relation_size(c.oid) AS size,
           json_agg(json_build_object('name', a.attname, 'type', t.typname, 'category', t.typcategory, 'notNull', a.attnotnull)
                    ORDER BY a.attnum) AS columns
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
    JOIN pg_type t ON t.oid = a.atttypid
    WHERE c.relkind = 'r'
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
    GROUP BY n.nspname, c.relname, c.oid
) tables;`;

/**
 * The schema's own text that pg_dump's pre-data carries to staging as it is: comments, column
 * defaults and enum labels of the database's own objects (not the system's, not an extension's), as
 * (place, text) rows for the row sanitizer to scan on production's side before anything leaves.
 */
export const SCHEMA_TEXT_QUERY = `
SELECT 'comment on ' || coalesce(c.relname || coalesce('.' || a.attname, ''), d.classoid::regclass::text || ' ' || d.objoid), d.description
FROM pg_description d
LEFT JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND c.oid = d.objoid
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0
WHERE d.objoid >= 16384 AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = d.objoid AND e.deptype = 'e')
UNION ALL
SELECT 'default of ' || c.relname || '.' || a.attname, pg_get_expr(ad.adbin, ad.adrelid)
FROM pg_attrdef ad JOIN pg_class c ON c.oid = ad.adrelid JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
WHERE ad.adrelid >= 16384
UNION ALL
SELECT 'enum ' || t.typname, e.enumlabel
FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
WHERE t.oid >= 16384 AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.objid = t.oid AND x.deptype = 'e')`;

/** Sequence positions, as statements to replay on the copy (they are data, not schema). */
export const SEQUENCES_QUERY = `
SELECT format('SELECT pg_catalog.setval(%L, %s, %s);', quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value, 'true')
FROM pg_sequences WHERE last_value IS NOT NULL;`;

export function parseCatalog(json: string): CatalogTable[] {
    return JSON.parse(json) as CatalogTable[];
}

/** A SQL string literal. */
export function literal(text: string): string {
    return `'${text.replace(/'/g, "''")}'`;
}

export function quoteIdent(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
}

export function qualifiedName(table: Pick<CatalogTable, "schema" | "name">): string {
    return `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
}
