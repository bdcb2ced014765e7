/**
 * The output formats: `json` (indented), `jsonl` (one record a line),
 * `csv` (csv-stringify) and `table` (cli-table3). Records are the items of
 * an array body, or the body itself; nested values are written as JSON.
 *
 * @module
 */

/** An output format. */
export type Format = "json" | "jsonl" | "csv" | "table";

/**
 * Formats data.
 *
 * @param data The decoded body (or bodies).
 * @param format The format.
 * @returns The text, ending with a newline.
 */
export async function formatData(data: unknown, format: Format): Promise<string> {
  const records = Array.isArray(data) ? data : [data];
  switch (format) {
    case "json":
      return JSON.stringify(data, null, 2) + "\n";
    case "jsonl":
      return records.map((r) => JSON.stringify(r)).join("\n") + (records.length ? "\n" : "");
    case "csv": {
      const { stringify } = await import("csv-stringify/sync");
      const [columns, rows] = tabulate(records);
      return stringify(rows, { header: true, columns });
    }
    case "table": {
      const { default: Table } = await import("cli-table3");
      const [columns, rows] = tabulate(records);
      // No colour codes: the table may go to a file or a pipe.
      const table = new Table({ head: columns, style: { head: [], border: [] }, chars: compact });
      table.push(...rows);
      return table.toString() + "\n";
    }
  }
}

/** Columns (every key, in first-seen order) and rows of cells. */
function tabulate(records: unknown[]): [string[], string[][]] {
  const objects = records.every((r) => r !== null && typeof r === "object" && !Array.isArray(r));
  if (!objects || records.length === 0) return [["value"], records.map((r) => [cell(r)])];
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const record of records as Record<string, unknown>[]) {
    for (const key of Object.keys(record)) if (!seen.has(key)) seen.add(key), columns.push(key);
  }
  const rows = (records as Record<string, unknown>[]).map((r) => columns.map((c) => cell(r[c])));
  return [columns, rows];
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

// No rule between rows: one line a record.
const compact = { "mid": "", "left-mid": "", "mid-mid": "", "right-mid": "" };
