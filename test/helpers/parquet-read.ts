/**
 * Reads Parquet files back with DuckDB (`@duckdb/node-api`), a reader independent of the writer
 * (hyparquet-writer): the schema as DuckDB types it (`DESCRIBE`) with each column's Parquet
 * repetition (`parquet_schema`), and the rows with exact, JSON-safe values: timestamps as epoch
 * milliseconds, decimals as their exact text (e.g. "45678.90"), 64-bit integers as numbers.
 */
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/** One column as DuckDB reads it: its SQL type (e.g. `DECIMAL(18,2)`) and Parquet nullability. */
export interface ParquetColumn {
  name: string;
  type: string;
  nullable: boolean;
}

/** A Parquet file's schema and rows. */
export interface ParquetTable {
  schema: ParquetColumn[];
  rows: Record<string, unknown>[];
}

let connection: Promise<DuckDBConnection> | undefined;

function connect(): Promise<DuckDBConnection> {
  connection ??= (async () => {
    // parquet and json are built into the npm binary: never fetch an extension at test time.
    const db = await DuckDBInstance.create(":memory:", { autoinstall_known_extensions: "false", autoload_known_extensions: "false" });
    return db.connect();
  })();
  return connection;
}

const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;
const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** The SELECT expression that renders a column exactly (no float or time-zone rendering). */
function exact(name: string, type: string): string {
  if (type.startsWith("TIMESTAMP")) return `epoch_ms(${ident(name)}) AS ${ident(name)}`;
  if (type.startsWith("DECIMAL") || type === "JSON") return `CAST(${ident(name)} AS VARCHAR) AS ${ident(name)}`;
  return ident(name);
}

function jsonSafe(v: unknown): unknown {
  if (typeof v !== "bigint") return v;
  if (!Number.isSafeInteger(Number(v))) throw new Error(`integer ${v} does not fit a JavaScript number`);
  return Number(v);
}

/** Reads one Parquet file with DuckDB. */
export async function readParquet(path: string): Promise<ParquetTable> {
  const c = await connect();
  const file = literal(path);
  const described = await (await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${file})`)).getRowObjectsJson();
  const repetition = new Map(
    (await (await c.runAndReadAll(`SELECT name, repetition_type FROM parquet_schema(${file})`)).getRowObjectsJson()).map((r) => [r.name, r.repetition_type]),
  );
  const schema = described.map((d) => ({
    name: String(d.column_name),
    type: String(d.column_type),
    nullable: repetition.get(d.column_name) === "OPTIONAL",
  }));
  const select = schema.map((col) => exact(col.name, col.type)).join(", ");
  const result = await c.runAndReadAll(`SELECT ${select} FROM read_parquet(${file})`);
  const rows = (await result.getRowObjectsJS()).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, jsonSafe(v)])));
  return { schema, rows };
}

/** Reads several Parquet files, in the given order. */
export async function readParquetFiles(paths: string[]): Promise<ParquetTable[]> {
  const out: ParquetTable[] = [];
  for (const p of paths) out.push(await readParquet(p));
  return out;
}
