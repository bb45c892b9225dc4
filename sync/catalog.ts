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

/** Sequence positions, as statements to replay on the copy (they are data, not schema). */
export const SEQUENCES_QUERY = `
SELECT format('SELECT pg_catalog.setval(%L, %s, %s);', quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value, 'true')
FROM pg_sequences WHERE last_value IS NOT NULL;`;

export function parseCatalog(json: string): CatalogTable[] {
    return JSON.parse(json) as CatalogTable[];
}

export function quoteIdent(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
}

export function qualifiedName(table: Pick<CatalogTable, "schema" | "name">): string {
    return `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
}
