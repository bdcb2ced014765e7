/**
 * X-Pages pagination: page 1 first, then the other pages in parallel, every
 * page checked to belong to the same version of the resource. A result is
 * whole and consistent, or it is an error: never a silent mix or a part.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import { EsiError, EsiPaginationError } from "../errors.ts";
import type { EsiMeta } from "../http/meta.ts";
import {
  type ProgressContext,
  type ProgressOptions,
  type ProgressTracker,
  trackProgress,
} from "../observe/progress.ts";

/** One page of an X-Pages resource. */
export interface EsiPage<T> {
  /** The page number, from 1. */
  page: number;
  /** How many pages the resource has. */
  pages: number;
  /** The page's records. */
  data: T;
  /** The page's meta. */
  meta: EsiMeta;
}

/**
 * Fetches one page; `revalidate` asks for a conditional request even if the
 * page is cached fresh. With progress tracked, give `context.hooks` to the
 * call (its limit waits are counted); the meta returned is what is read.
 * `signal` aborts when the walk no longer needs the page.
 */
export type PageFetcher<T> = (
  page: number,
  revalidate: boolean,
  context?: ProgressContext,
  signal?: AbortSignal,
) => Promise<{ data: T; meta: EsiMeta }>;

/** Options of a paginated walk; `onProgress` reports pages as they are taken, in order. */
export interface PagesOptions extends ProgressOptions {
  /**
   * How many pages may be fetched ahead of the one being consumed: bounds
   * the memory of `pages()`; `all()` fetches every page at once by default.
   * @default 20
   */
  lookahead?: number;
  /**
   * When page 1 expires sooner than this, wait for the new version first, in milliseconds.
   * @default 5000
   */
  nearExpiryMs?: number;
  /**
   * How many times to start over when the resource turns over mid-fetch.
   * @default 3
   */
  maxRestarts?: number;
  /**
   * The most pages accepted, checked on every version of page 1 (restarts
   * included) before any other page is asked for.
   * @default 2000
   */
  maxPages?: number;
  /**
   * Ends the walk's own waits (for a version about to turn over); the client
   * passes the call's `signal`.
   */
  signal?: AbortSignal;
}

/** The resource changed while its pages were being fetched. */
class Turnover extends Error {}

/**
 * Walks an X-Pages resource, yielding pages in order as they arrive. A
 * resource that turns over before any page was yielded is fetched again; after
 * that, a turnover throws {@link EsiPaginationError} (the pages already yielded
 * belong to a version that no longer exists).
 *
 * @param route The route, for error messages.
 * @param fetchPage Fetches one page.
 * @param clock The clock.
 * @param options Lookahead, expiry margin, restarts, progress.
 * @returns The pages, in order.
 * @example
 * ```ts
 * import { type EsiMeta } from "@esikit/esi";
 * import { systemClock } from "../clock.ts";
 * import { pagesOf } from "./x_pages.ts";
 * const meta = { cache: "miss", route: "/x", url: "", attempts: 1, pages: 2 } as EsiMeta;
 * for await (const page of pagesOf("/x", (n) => Promise.resolve({ data: [n], meta }), systemClock)) {
 *   console.log(page.page, page.data);
 * }
 * ```
 */
export async function* pagesOf<T>(
  route: string,
  fetchPage: PageFetcher<T>,
  clock: Clock,
  options: PagesOptions = {},
): AsyncGenerator<EsiPage<T>, void, undefined> {
  const maxRestarts = options.maxRestarts ?? 3;
  const progress = trackProgress(route, "pages", options.onProgress, clock);
  for (let round = 0;; round++) {
    let yielded = false;
    try {
      for await (const page of walk(route, fetchPage, clock, options, round > 0, progress)) {
        yielded = true;
        yield page;
      }
      progress?.finish();
      return;
    } catch (error) {
      if (!(error instanceof Turnover)) throw error;
      if (yielded) {
        throw new EsiPaginationError(
          `Cannot stream the pages of "${route}": the resource changed after page 1 was yielded; start again`,
          { cause: error },
        );
      }
      if (round >= maxRestarts) throw giveUp(route, maxRestarts, error);
      progress?.restart();
    }
  }
}

/**
 * Fetches every page of an X-Pages resource and joins their records, starting
 * over (up to `maxRestarts` times) when the resource turns over mid-fetch.
 *
 * @param route The route, for error messages.
 * @param fetchPage Fetches one page.
 * @param clock The clock.
 * @param options Lookahead, expiry margin, restarts, progress.
 * @returns Every record, in page order.
 * @throws {EsiPaginationError} When a page fails, or no consistent version could be fetched.
 * @example
 * ```ts
 * import { type EsiMeta } from "@esikit/esi";
 * import { systemClock } from "../clock.ts";
 * import { allPagesOf } from "./x_pages.ts";
 * const meta = { cache: "miss", route: "/x", url: "", attempts: 1, pages: 3 } as EsiMeta;
 * await allPagesOf("/x", (n) => Promise.resolve({ data: [n], meta }), systemClock); // [1, 2, 3]
 * ```
 */
export async function allPagesOf<T>(
  route: string,
  fetchPage: PageFetcher<T[]>,
  clock: Clock,
  options: PagesOptions = {},
): Promise<T[]> {
  const maxRestarts = options.maxRestarts ?? 3;
  // Every record is held in the end anyway: queue every page at once, and let
  // the client's concurrency gate refill as soon as any request finishes.
  const walkOptions = { lookahead: Infinity, ...options };
  const progress = trackProgress(route, "pages", options.onProgress, clock);
  for (let round = 0;; round++) {
    try {
      const records: T[] = [];
      for await (const page of walk(route, fetchPage, clock, walkOptions, round > 0, progress)) {
        if (!Array.isArray(page.data)) {
          throw new EsiPaginationError(
            `Cannot join the pages of "${route}": page ${page.page} is not an array`,
            { page: page.page },
          );
        }
        for (const record of page.data) records.push(record);
      }
      progress?.finish();
      return records;
    } catch (error) {
      if (!(error instanceof Turnover)) throw error;
      if (round >= maxRestarts) throw giveUp(route, maxRestarts, error);
      progress?.restart();
    }
  }
}

/** One pass over the pages; throws {@link Turnover} when versions differ. */
async function* walk<T>(
  route: string,
  fetchPage: PageFetcher<T>,
  clock: Clock,
  options: PagesOptions,
  revalidate: boolean,
  progress: ProgressTracker | undefined,
): AsyncGenerator<EsiPage<T>, void, undefined> {
  const lookahead = Math.max(1, options.lookahead ?? 20);
  const nearExpiryMs = options.nearExpiryMs ?? 5_000;
  const hooks = progress?.context();
  let first = await fetchOne(route, fetchPage, 1, revalidate, hooks);
  const left = (first.meta.expires?.getTime() ?? Infinity) - clock.now();
  if (left < nearExpiryMs) {
    // ESI is about to publish the next version: fetch that one instead of
    // racing the turnover across pages.
    await clock.sleep(Math.max(0, left) + 1_000, options.signal);
    first = await fetchOne(route, fetchPage, 1, true, hooks);
  }
  const pages = pageCount(route, first.meta.pages, options.maxPages ?? 2_000);
  const version = first.meta.lastModified?.getTime();
  progress?.setTotal(pages);
  progress?.step(first);
  yield { page: 1, pages, data: first.data, meta: first.meta };

  // Pages fetched ahead are cancelled when the walk ends early (a failure, a
  // turnover, a consumer that stops): nobody will read them.
  const ahead = new AbortController();
  const inFlight = new Map<number, Promise<{ data: T; meta: EsiMeta }>>();
  let next = 2;
  const fill = (upTo: number) => {
    for (; next <= Math.min(pages, upTo); next++) {
      const promise = fetchOne(route, fetchPage, next, revalidate, hooks, ahead.signal);
      promise.catch(() => {}); // awaited in order below; this keeps early failures handled
      inFlight.set(next, promise);
    }
  };
  try {
    for (let page = 2; page <= pages; page++) {
      fill(page + lookahead - 1);
      const result = await inFlight.get(page)!;
      inFlight.delete(page);
      const seen = result.meta.lastModified?.getTime();
      if (version !== undefined && seen !== undefined && seen !== version) {
        throw new Turnover(
          `page ${page} has Last-Modified ${new Date(seen).toISOString()}, page 1 ${
            new Date(version).toISOString()
          }`,
        );
      }
      if (result.meta.pages !== undefined && result.meta.pages !== pages) {
        throw new Turnover(`page ${page} reports ${result.meta.pages} pages, page 1 ${pages}`);
      }
      progress?.step(result);
      yield { page, pages, data: result.data, meta: result.meta };
    }
  } finally {
    if (inFlight.size) ahead.abort(new Error("The walk ended before these pages were read"));
    inFlight.clear();
  }
}

/**
 * The page count of a version of page 1: ESI's `X-Pages` (the transport
 * checked it is a positive integer), at most `maxPages`.
 */
function pageCount(route: string, pages: number | undefined, maxPages: number): number {
  if (pages !== undefined && !(Number.isInteger(pages) && pages >= 1)) {
    // The transport refuses such a count; a store written before it did may still hold one.
    throw new EsiPaginationError(
      `Cannot walk the pages of "${route}": ESI reports "${pages}" pages, not a page count`,
      { page: 1 },
    );
  }
  if (pages !== undefined && pages > maxPages) {
    throw new EsiPaginationError(
      `Cannot walk the pages of "${route}": ESI reports ${pages} pages, more than maxPages (${maxPages})`,
      { page: 1, pages },
    );
  }
  return pages ?? 1;
}

async function fetchOne<T>(
  route: string,
  fetchPage: PageFetcher<T>,
  page: number,
  revalidate: boolean,
  hooks: ProgressContext | undefined,
  signal?: AbortSignal,
): Promise<{ data: T; meta: EsiMeta }> {
  try {
    return await fetchPage(page, revalidate, hooks, signal);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    if (error instanceof EsiError && error.code === "ERR_ABORTED") throw error;
    throw new EsiPaginationError(`Cannot fetch page ${page} of "${route}": ${why}`, {
      page,
      cause: error,
    });
  }
}

function giveUp(route: string, restarts: number, cause: Turnover): EsiPaginationError {
  return new EsiPaginationError(
    `Cannot fetch a consistent set of pages of "${route}": the resource changed mid-fetch ${
      restarts + 1
    } times (${cause.message})`,
    { cause },
  );
}
