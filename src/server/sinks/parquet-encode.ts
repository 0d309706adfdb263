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
 * Nullable fields are OPTIONAL, the others REQUIRED; `metric` is left out (the folder names it).
 */
import { ByteWriter, parquetWrite, type ColumnSource, type SchemaElement } from "hyparquet-writer";
import { centsToCurrency, type FieldSpec, type FieldType } from "../../core/metrics/declaration";
import type { OutputRow } from "../io/types";

/** Precision of the `cents` DECIMAL columns: 16 digits of units, up to ~10^16 currency units. */
export const CENTS_PRECISION = 18;

function element(fs: FieldSpec): SchemaElement {
  const repetition_type = fs.nullable ? "OPTIONAL" : "REQUIRED";
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

function integer(metric: string, fs: FieldSpec, v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v !== "number" || !Number.isSafeInteger(v)) {
    throw new TypeError(`${metric}.${fs.name}: expected an integer, got ${String(v)}`);
  }
  return BigInt(v);
}

/** One row value as the physical/rich value hyparquet-writer expects for `type`. */
function columnValue(metric: string, fs: FieldSpec, type: FieldType, v: unknown): unknown {
  if (v === null || v === undefined) {
    if (!fs.nullable) throw new TypeError(`${metric}.${fs.name}: null in a non-nullable field`);
    return null;
  }
  switch (type) {
    case "int":
    case "cents": // the unscaled DECIMAL value is the integer cents themselves
    case "timestamp":
      return integer(metric, fs, v);
    case "double":
      if (typeof v !== "number") throw new TypeError(`${metric}.${fs.name}: expected a number, got ${String(v)}`);
      return v;
    case "money":
      if (typeof v !== "number") throw new TypeError(`${metric}.${fs.name}: expected a number, got ${String(v)}`);
      return centsToCurrency(v);
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
    data: rows.map((r) => columnValue(metric, fs, fs.type, r[fs.name])),
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
