/**
 * Cursor pagination (`x-pagination: cursor`): bodies of the form
 * `{ "<records>": [...], "cursor": { "before": "…", "after": "…" } }`.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import { EsiPaginationError } from "../errors.ts";
import { type ProgressContext, type ProgressOptions, trackProgress } from "../observe/progress.ts";

/** Where a cursor walk stands; persist it between syncs. */
export interface CursorState {
  /** Walk back from here for older records. */
  before?: string;
  /** Walk forward from here for newer records. */
  after?: string;
}

/** What a cursor sync found. */
export interface CursorSync<T> {
  /** The records, oldest first. */
  records: T[];
  /** The state to persist and pass to the next sync. */
  cursor: CursorState;
}

/**
 * Fetches one batch with the given cursor parameter and returns its body;
 * with progress tracked, `context` carries the call's hooks and takes its meta.
 */
export type CursorFetcher = (
  cursor: { before?: string; after?: string },
  context?: ProgressContext,
) => Promise<unknown>;

/** Options of a cursor sync; `onProgress` counts batches (the total is never known). */
export interface CursorOptions<T> extends ProgressOptions {
  /** The state of the last sync; without it, a full initial sync runs. */
  state?: CursorState;
  /**
   * Identifies a record, so duplicates (normal at batch edges) are dropped:
   * walking `before` keeps the first seen, walking `after` the newest.
   */
  idOf?: (record: T) => string | number;
  /**
   * The most batches one sync may fetch, so that a server that never stops
   * cannot keep it going.
   * @default 10000
   */
  maxBatches?: number;
  /**
   * The clock of the progress's elapsed time.
   * @default systemClock
   */
  clock?: Pick<Clock, "now">;
}

/**
 * Syncs a cursor-paginated route. Without state, an initial sync: the first
 * batch, its `after` kept for next time, then walking `before` until a batch
 * comes back empty. With state, an incremental sync: walking `after` until
 * empty.
 *
 * @param route The route, for error messages.
 * @param fetchBatch Fetches one batch.
 * @param options The saved state, a record identity, a batch cap, progress.
 * @returns The records and the state to persist.
 * @example
 * ```ts
 * import { syncCursor } from "./cursor.ts";
 * const { records, cursor } = await syncCursor("/x", ({ before }) =>
 *   Promise.resolve(before ? { items: [], cursor: {} } : { items: [1, 2], cursor: { before: "b", after: "a" } })
 * );
 * records; // [1, 2]
 * cursor.after; // "a"
 * ```
 */
export async function syncCursor<T>(
  route: string,
  fetchBatch: CursorFetcher,
  options: CursorOptions<T> = {},
): Promise<CursorSync<T>> {
  const maxBatches = options.maxBatches ?? 10_000;
  const byId = new Map<string | number, T>();
  const plain: T[] = [];
  const add = (batch: T[], replace: boolean) => {
    for (const record of batch) {
      if (!options.idOf) plain.push(record);
      else {
        const id = options.idOf(record);
        if (replace || !byId.has(id)) byId.set(id, record);
      }
    }
  };
  const cursor: CursorState = { ...options.state };
  let batches = 0;
  const progress = trackProgress(
    route,
    "batches",
    options.onProgress,
    options.clock ?? systemClock,
  );
  const next = async (param: { before?: string; after?: string }) => {
    if (++batches > maxBatches) {
      throw new EsiPaginationError(
        `Cannot sync "${route}": more than ${maxBatches} batches; the cursor does not seem to end`,
      );
    }
    if (!progress) return readBatch<T>(route, await fetchBatch(param));
    const context = progress.context();
    const data = await fetchBatch(param, context);
    const batch = readBatch<T>(route, data);
    progress.step({ data, meta: context.meta }, batch.records.length);
    return batch;
  };

  if (options.state?.after === undefined) {
    // Initial sync: newest batch first, then back in time.
    let batch = await next({});
    cursor.after = batch.cursor.after ?? cursor.after;
    const older: T[][] = [];
    while (batch.records.length) {
      older.unshift(batch.records);
      if (batch.cursor.before === undefined || batch.cursor.before === cursor.before) break;
      cursor.before = batch.cursor.before;
      batch = await next({ before: cursor.before });
    }
    for (const records of older) add(records, false);
  } else {
    let after = options.state.after;
    for (;;) {
      const batch = await next({ after });
      if (!batch.records.length) break;
      add(batch.records, true);
      if (batch.cursor.after === undefined || batch.cursor.after === after) break;
      after = batch.cursor.after;
    }
    cursor.after = after;
  }
  progress?.finish();
  return { records: options.idOf ? [...byId.values()] : plain, cursor };
}

function readBatch<T>(route: string, body: unknown): { records: T[]; cursor: CursorState } {
  if (body && typeof body === "object") {
    const { cursor, ...rest } = body as Record<string, unknown>;
    const lists = Object.values(rest).filter(Array.isArray);
    if (lists.length === 1) {
      const c = (cursor ?? {}) as Record<string, unknown>;
      return {
        records: lists[0] as T[],
        cursor: {
          before: typeof c.before === "string" ? c.before : undefined,
          after: typeof c.after === "string" ? c.after : undefined,
        },
      };
    }
  }
  throw new EsiPaginationError(
    `Cannot read a batch of "${route}": expected an object with one record array and a cursor`,
  );
}
