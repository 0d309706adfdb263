/**
 * Parquet encoding of result rows, one file per metric and epoch, with the schema derived from the
 * metric's declaration so that a column's type never depends on the values of one epoch.
 *
 * Type mapping (chosen so that DuckDB, Spark, Arrow and pandas read natural types):
 * - `string` → BYTE_ARRAY UTF8 (logical STRING);
 * - `int` → INT64 (counts and durations can pass 2^31 over a long run);
 * - `double` → DOUBLE; `bool` → BOOLEAN;
 * - `money` (a derived amount in cents, such as a mean) → DOUBLE in currency units;
 * - `cents` → INT64 DECIMAL(18, 2): the exact integer cents SPEC sums (no float drift), which
 *   readers show as currency units (DuckDB `DECIMAL(18,2)`, Spark `DecimalType(18,2)`);
 *   the JSON files render the same value as a plain number of units;
 * - `timestamp` → INT64 TIMESTAMP(MILLIS, adjusted to UTC);
 * - `json` → BYTE_ARRAY JSON (the JSON text, e.g. `top_urls`).
 * Every column is OPTIONAL, as Spark writes Parquet ("all columns are automatically converted to
 * be nullable for compatibility reasons"): a value the column cannot hold exactly — a sum that
 * overflowed (NaN), ±Infinity, an integer beyond 2^53 — is written as null, as the JSON files
 * render it, instead of failing the epoch and, with it, every restart. A value of the wrong kind
 * (a fraction in an integer column) is a bug and throws. `metric` is left out (the folder names it).
 */
import { ByteWriter, parquetWrite, type ColumnSource, type SchemaElement } from "hyparquet-writer";
import { centsToCurrency, type FieldSpec, type FieldType } from "../../core/metrics/declaration";
import type { OutputRow } from "../io/types";

/** Precision of the `cents` DECIMAL columns: 16 digits of units, up to ~10^16 currency units. */
export const CENTS_PRECISION = 18;

function element(fs: FieldSpec): SchemaElement {
  const repetition_type = "OPTIONAL";
  const name = fs.name;
  switch (fs.type) {
    case "string":
      return { name, repetition_type, type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" } };
    case "int":
      return { name, repetition_type, type: "INT64" };
    case "double":
    case "money":
      return { name, repetition_type, type: "DOUBLE" };
    case "bool":
      return { name, repetition_type, type: "BOOLEAN" };
    case "cents":
      return {
        name,
        repetition_type,
        type: "INT64",
        converted_type: "DECIMAL",
        scale: 2,
        precision: CENTS_PRECISION,
        logical_type: { type: "DECIMAL", scale: 2, precision: CENTS_PRECISION },
      };
    case "timestamp":
      return {
        name,
        repetition_type,
        type: "INT64",
        converted_type: "TIMESTAMP_MILLIS",
        logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" },
      };
    case "json":
      return { name, repetition_type, type: "BYTE_ARRAY", converted_type: "JSON", logical_type: { type: "JSON" } };
  }
}

/** The Parquet schema of a metric's files, from its fields (root first, as Parquet lists it). */
export function parquetSchema(fields: readonly FieldSpec[]): SchemaElement[] {
  return [{ name: "root", num_children: fields.length }, ...fields.map(element)];
}

/**
 * The INT64 of an integer; null for one that overflowed (NaN, ±Infinity, beyond 2^53 or `max`).
 * Anything else (a fraction, a string) is a bug upstream, not bad input, and throws.
 */
function integer(where: string, v: unknown, max: bigint): bigint | null {
  if (typeof v === "bigint") return v >= -max && v <= max ? v : null;
  if (typeof v === "number" && (!Number.isFinite(v) || Math.abs(v) > Number.MAX_SAFE_INTEGER)) return null;
  if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`${where}: expected an integer, got ${String(v)}`);
  return BigInt(v);
}

const INT64_MAX = (1n << 63n) - 1n;
/** Largest unscaled value of DECIMAL(CENTS_PRECISION, 2). */
const CENTS_MAX = 10n ** BigInt(CENTS_PRECISION) - 1n;

/** One row value as the physical/rich value hyparquet-writer expects for `type`; null when it cannot hold it. */
function columnValue(where: string, type: FieldType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case "int":
    case "timestamp":
      return integer(where, v, INT64_MAX);
    case "cents": // the unscaled DECIMAL value is the integer cents themselves
      return integer(where, v, CENTS_MAX);
    case "double":
      if (typeof v !== "number") throw new TypeError(`${where}: expected a number, got ${String(v)}`);
      return Number.isFinite(v) ? v : null;
    case "money":
      if (typeof v !== "number") throw new TypeError(`${where}: expected a number, got ${String(v)}`);
      return Number.isFinite(v) ? centsToCurrency(v) : null;
    case "bool":
      return Boolean(v);
    case "string":
      return String(v);
    case "json":
      return v; // hyparquet-writer serialises it with JSON.stringify
  }
}

/**
 * Encodes `rows` (all of `metric`, non-empty) as a whole Parquet file: one row group per
 * 100 000 rows, Snappy-compressed, with column statistics.
 */
export function encodeParquet(metric: string, fields: readonly FieldSpec[], rows: readonly OutputRow[]): Uint8Array {
  if (rows.length === 0) throw new RangeError("a Parquet part needs at least one row");
  const schema = parquetSchema(fields);
  const columnData: ColumnSource[] = fields.map((fs) => ({
    name: fs.name,
    data: rows.map((r) => columnValue(`${metric}.${fs.name}`, fs.type, r[fs.name])),
  }));
  const writer = new ByteWriter();
  parquetWrite({
    writer,
    columnData,
    schema,
    rowGroupSize: 100_000,
    createdBy: "eddy",
    kvMetadata: [{ key: "eddy.metric", value: metric }],
  });
  return writer.getBytes();
}
