/**
 * The simulated ESI's cursor and `from_id` pagination: slices of a route's
 * records, with opaque cursor tokens. Internal to the ESI simulator.
 *
 * @module
 */

// The records property of a cursor route: its last literal segment,
// `freelance-jobs` → `freelance_jobs`.
export function recordsKeyOf(path: string): string {
  const literal = path.split("/").filter((s) => s && !s.startsWith("{")).pop() ?? "records";
  return literal.replaceAll("-", "_");
}

// Cursor tokens are opaque to clients; here they encode a boundary position,
// which stays valid as records are appended.
const cursorToken = (position: number): string => btoa(`sim-cursor:${position}`);

function cursorPosition(token: string): number | undefined {
  try {
    const match = /^sim-cursor:(\d+)$/.exec(atob(token));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** A slice's body, or why the query was refused. */
export type Slice = { body: unknown } | { error: string };

/** A `before`/`after`/`limit` page of records. */
export function cursorSlice(
  records: readonly unknown[],
  query: URLSearchParams,
  key: string,
): Slice {
  const before = query.get("before");
  const after = query.get("after");
  if (before !== null && after !== null) {
    return { error: "before and after are mutually exclusive" };
  }
  const rawLimit = query.get("limit");
  const limit = rawLimit === null ? 10 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    return { error: `Invalid limit "${rawLimit}": must be between 1 and 100` };
  }
  const token = after ?? before;
  const position = token === null || token === "0" ? undefined : cursorPosition(token);
  if (token !== null && token !== "0" && position === undefined) {
    return { error: `Invalid cursor "${token}"` };
  }
  let start: number;
  let end: number;
  if (after !== null) {
    start = Math.min(position ?? 0, records.length);
    end = Math.min(start + limit, records.length);
  } else {
    end = Math.min(position ?? records.length, records.length);
    start = Math.max(0, end - limit);
  }
  return {
    body: {
      [key]: records.slice(start, end),
      cursor: { before: cursorToken(start), after: cursorToken(end) },
    },
  };
}

/** The page of records from `from_id` down (records are newest first). */
export function fromIdSlice(
  records: readonly unknown[],
  query: URLSearchParams,
  idField: string,
  pageSize: number,
): Slice {
  const raw = query.get("from_id");
  let start = 0;
  if (raw !== null) {
    const fromId = Number(raw);
    if (!Number.isInteger(fromId)) return { error: `Invalid from_id "${raw}"` };
    start = records.findIndex((r) => Number((r as Record<string, unknown>)[idField]) <= fromId);
    if (start < 0) start = records.length;
  }
  return { body: records.slice(start, start + pageSize) };
}
