/**
 * `from_id` pagination (wallet transactions): batches come newest first, each
 * starting at the `from_id` record itself; the walk ends when a batch brings
 * nothing older.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import { EsiPaginationError } from "../errors.ts";
import { type ProgressContext, type ProgressOptions, trackProgress } from "../observe/progress.ts";

/**
 * Fetches one batch starting at `fromId` (the newest batch when undefined);
 * with progress tracked, `context` carries the call's hooks and takes its meta.
 */
export type FromIdFetcher<T> = (
  fromId: number | undefined,
  context?: ProgressContext,
) => Promise<T[]>;

/** Options of a `from_id` walk; `onProgress` counts batches (the total is never known). */
export interface FromIdOptions<T> extends ProgressOptions {
  /**
   * Reads a record's id.
   * @default (record) => record.transaction_id
   */
  idOf?: (record: T) => number;
  /**
   * Stop once records are at or below this id (the newest id of the last
   * walk, for an incremental sync).
   */
  stopAtId?: number;
  /**
   * The most batches one walk may fetch.
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
 * Walks a `from_id` route back in time and returns every record once,
 * newest first.
 *
 * @param route The route, for error messages.
 * @param fetchBatch Fetches one batch.
 * @param options How to read ids, where to stop, progress.
 * @returns The records, newest first, without duplicates.
 * @example
 * ```ts
 * import { walkFromId } from "./from_id.ts";
 * const all = [5, 4, 3, 2, 1].map((transaction_id) => ({ transaction_id }));
 * const records = await walkFromId("/x", (from) =>
 *   Promise.resolve(all.filter((r) => from === undefined || r.transaction_id <= from).slice(0, 2))
 * );
 * records.length; // 5
 * ```
 */
export async function walkFromId<T>(
  route: string,
  fetchBatch: FromIdFetcher<T>,
  options: FromIdOptions<T> = {},
): Promise<T[]> {
  const idOf = options.idOf ??
    ((record: T) => (record as { transaction_id: number }).transaction_id);
  const maxBatches = options.maxBatches ?? 10_000;
  const seen = new Set<number>();
  const records: T[] = [];
  let fromId: number | undefined;
  const progress = trackProgress(
    route,
    "batches",
    options.onProgress,
    options.clock ?? systemClock,
  );
  for (let batches = 1;; batches++) {
    if (batches > maxBatches) {
      throw new EsiPaginationError(
        `Cannot walk "${route}": more than ${maxBatches} batches; from_id does not seem to end`,
      );
    }
    const context = progress?.context();
    const batch = await fetchBatch(fromId, context);
    let oldest: number | undefined;
    let fresh = 0;
    for (const record of batch) {
      const id = idOf(record);
      if (!Number.isFinite(id)) {
        throw new EsiPaginationError(`Cannot walk "${route}": a record has no numeric id`);
      }
      if (options.stopAtId !== undefined && id <= options.stopAtId) continue;
      oldest = oldest === undefined ? id : Math.min(oldest, id);
      if (seen.has(id)) continue;
      seen.add(id);
      records.push(record);
      fresh++;
    }
    progress?.step({ data: batch, meta: context?.meta }, fresh);
    // Only the from_id record itself (or nothing new) came back: the end.
    if (fresh === 0 || oldest === undefined || oldest === fromId) break;
    fromId = oldest;
  }
  progress?.finish();
  return records.sort((a, b) => idOf(b) - idOf(a));
}
