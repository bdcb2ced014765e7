/**
 * The long calls of `EsiClient` — X-Pages walks, cursor and `from_id` syncs,
 * bulks — as functions over the one thing they need from the client: a way
 * to send a call through the pipeline. Each call they make is an ordinary
 * call (cache, limits, retries); progress sees the same meta and limit waits
 * as the hooks.
 *
 * @module
 */

import { settleAll, type Settled } from "../bulk.ts";
import type { Clock } from "../clock.ts";
import type { ProgressContext, ProgressOptions } from "../observe/progress.ts";
import { type CursorOptions, type CursorSync, syncCursor } from "../paginate/cursor.ts";
import { type FromIdOptions, walkFromId } from "../paginate/from_id.ts";
import {
  allPagesOf,
  type EsiPage,
  type PageFetcher,
  pagesOf,
  type PagesOptions,
} from "../paginate/x_pages.ts";
import type { BulkCall, BulkOptions, EsiResponse, RequestOptions } from "./options.ts";

/** What the walks need of a client. */
export interface Caller {
  /** Sends one call through the pipeline. */
  call<T>(method: string, path: string, options: RequestOptions): Promise<EsiResponse<T>>;
  clock: Clock;
  /** The client's `maxPages`, which a walk's own `paging.maxPages` overrides. */
  maxPages: number;
}

/** The options of an X-Pages walk: the call's, `paging` and progress. */
export type WalkOptions = RequestOptions & { paging?: PagesOptions } & ProgressOptions;

/** Streams the pages of an X-Pages route (see `EsiClient.pages`). */
export function streamPages<T>(
  caller: Caller,
  path: string,
  options: WalkOptions = {},
): AsyncGenerator<EsiPage<T>, void, undefined> {
  return pagesOf(
    path,
    pageFetcher<T>(caller, path, options),
    caller.clock,
    paging(caller, options),
  );
}

/** Every record of an X-Pages route (see `EsiClient.all`). */
export function allPages<T>(caller: Caller, path: string, options: WalkOptions = {}): Promise<T[]> {
  const fetchPage = pageFetcher<T[]>(caller, path, options);
  return allPagesOf(path, fetchPage, caller.clock, paging(caller, options));
}

/** Syncs a cursor route (see `EsiClient.syncCursor`). */
export function cursorSync<R>(
  caller: Caller,
  path: string,
  options: RequestOptions & ProgressOptions & { cursor?: CursorOptions<R> } = {},
): Promise<CursorSync<R>> {
  const { cursor, onProgress, ...call } = options;
  return syncCursor(
    path,
    async (position, context) =>
      (await tracked(
        caller,
        "GET",
        path,
        { ...call, query: { ...call.query, ...position } },
        context,
      ))
        .data,
    { clock: caller.clock, onProgress, ...cursor },
  );
}

/** Walks a `from_id` route back in time (see `EsiClient.walkFromId`). */
export function fromIdWalk<R>(
  caller: Caller,
  path: string,
  options: RequestOptions & ProgressOptions & { fromId?: FromIdOptions<R> } = {},
): Promise<R[]> {
  const { fromId, onProgress, ...call } = options;
  return walkFromId(
    path,
    async (from, context) =>
      (await tracked<R[]>(caller, "GET", path, {
        ...call,
        query: { ...call.query, from_id: from },
      }, context)).data,
    { clock: caller.clock, onProgress, ...fromId },
  );
}

/** Many calls, each outcome in input order (see `EsiClient.many`). */
export function bulk(
  caller: Caller,
  calls: readonly BulkCall[],
  options: BulkOptions = {},
): Promise<Settled<EsiResponse<unknown>>[]> {
  return settleAll(
    calls,
    ({ method, route, ...call }, _, context) =>
      tracked(caller, method ?? "GET", route, call, context),
    options.concurrency ?? 20,
    { onProgress: options.onProgress, clock: caller.clock },
  );
}

/** One GET route with many sets of parameters (see `EsiClient.manyOf`). */
export function bulkOf<T>(
  caller: Caller,
  path: string,
  calls: readonly RequestOptions[],
  options: BulkOptions = {},
): Promise<Settled<T>[]> {
  return settleAll(
    calls,
    async (call, _, context) => (await tracked<T>(caller, "GET", path, call, context)).data,
    options.concurrency ?? 20,
    { route: path, onProgress: options.onProgress, clock: caller.clock },
  );
}

/** A call of a long one: with progress tracked, it reports its limit waits and meta. */
async function tracked<T>(
  caller: Caller,
  method: string,
  path: string,
  options: RequestOptions,
  context: ProgressContext | undefined,
): Promise<EsiResponse<T>> {
  if (!context) return caller.call<T>(method, path, options);
  const res = await caller.call<T>(method, path, { ...options, hooks: context.hooks });
  context.meta = res.meta;
  return res;
}

/** Fetches page `n` of a route through the whole pipeline (cache included). */
function pageFetcher<T>(caller: Caller, path: string, options: WalkOptions): PageFetcher<T> {
  const { paging: _, onProgress: __, ...call } = options;
  return (page, revalidate, context, signal) =>
    caller.call<T>("GET", path, {
      ...call,
      query: { ...call.query, page },
      cache: revalidate ? "no-cache" : call.cache,
      scan: true,
      hooks: context?.hooks,
      signal: signal && call.signal
        ? AbortSignal.any([signal, call.signal])
        : signal ?? call.signal,
    }); // the meta comes back with the page
}

function paging(caller: Caller, options: WalkOptions): PagesOptions {
  return {
    maxPages: caller.maxPages,
    ...options.paging,
    signal: options.signal,
    onProgress: options.onProgress,
  };
}
