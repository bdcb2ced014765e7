/**
 * `?all=true`: every page of an X-Pages route as one JSON array, streamed
 * page by page from the module's `pages()` as they arrive. Memory stays
 * bounded by the walk's lookahead, whatever the page count, and the answer
 * starts before the last page is asked for.
 *
 * Consistency is the module's: every page is checked to belong to page 1's
 * version. Once the answer has started, a turnover cannot be undone: the
 * stream is errored (the connection is cut mid-body), so the caller never
 * receives a complete-looking array of mixed versions.
 *
 * @module
 */

import type { Context } from "hono";
import type { EsiClient } from "../../src/client/client.ts";
import type { RequestOptions } from "../../src/client/options.ts";
import type { EsiPage, PagesOptions } from "../../src/paginate/x_pages.ts";
import { EsiPaginationError } from "../../src/errors.ts";
import type { QueryValue } from "../../src/http/url.ts";
import type { AccessTokenSource } from "../../src/sso/token_source.ts";
import { fail, type GatewayEnv, type Logger } from "../context.ts";
import type { RequestDeadline } from "../middleware/deadline.ts";
import { passHeaders } from "./headers.ts";

/** What {@link streamAllPages} merges: the route, its parameters, the caller's token, the cap. */
export interface AllPagesCall {
  /** The route template. */
  template: string;
  /** Path parameters. */
  params: Record<string, string>;
  /** The query, without `page`. */
  query: Record<string, QueryValue>;
  /** The caller's token, for a character's route. */
  token: AccessTokenSource | undefined;
  /** The language asked for (`Content-Language`). */
  language: string;
  /** The most pages merged (`MAX_ALL_PAGES`). */
  maxAllPages: number;
  /** The request's deadline: restarted with each page, cleared when the stream ends. */
  deadline: RequestDeadline;
  /** Where a stream cut short is logged. */
  logger?: Logger;
}

/**
 * Pages fetched ahead of the one being written. Each holds its body and,
 * until the store has it, the store's copies (~1 MB for a 230 KB market page
 * written to Upstash); 20 (the module's default) made a 300-page walk grow
 * the gateway by ~120 MiB, 8 by ~90. Eight pages at ESI's ~150 ms stay
 * ahead of a caller reading ~12 MB/s.
 */
const LOOKAHEAD = 8;

const encoder = new TextEncoder();
const OPEN = encoder.encode("[");
const CLOSE = encoder.encode("]");
const COMMA = encoder.encode(",");

/**
 * Answers with every page merged, streamed. Page 1 decides the page count:
 * past `maxAllPages` it is a 400 and no other page is asked for. The headers
 * are page 1's (`X-Pages`, `Last-Modified`, `Expires`); no ETag, since no
 * single ESI response carries this body.
 *
 * @param c The context.
 * @param client The client (with the caller's date and language).
 * @param call The route, parameters, token, cap and deadline.
 * @returns The answer, its body still being written.
 * @example
 * ```ts ignore
 * return await streamAllPages(c, client, { template, params, query, token, maxAllPages, deadline });
 * ```
 */
export async function streamAllPages(
  c: Context<GatewayEnv>,
  client: EsiClient,
  call: AllPagesCall,
): Promise<Response> {
  const { template, params, query, token, maxAllPages, language, deadline, logger } = call;
  // The module checks every version of page 1 against `maxPages`, restarts
  // included: a count over it is the caller's to page through.
  const pages = client.pages as (
    path: string,
    options: RequestOptions & { paging?: PagesOptions },
  ) => AsyncGenerator<EsiPage<Uint8Array>, void, undefined>;
  const walk = pages.call(client, template, {
    path: params,
    query,
    token,
    raw: "bytes",
    signal: deadline.signal,
    paging: { maxPages: maxAllPages, lookahead: LOOKAHEAD },
  });
  let first: IteratorResult<EsiPage<Uint8Array>, void>;
  try {
    first = await walk.next();
  } catch (error) {
    if (!(error instanceof EsiPaginationError) || error.pages === undefined) throw error;
    return fail(
      c,
      400,
      `Cannot merge the ${error.pages} pages of "${template}": the gateway merges at most ${maxAllPages}; read them with "page"`,
    );
  } // other errors here are answered like any call's
  if (first.done) return fail(c, 502, `ESI's answer cannot be used: "${template}" has no page 1`);
  const page1 = first.value;

  const headers = passHeaders(metaHeaders(page1, language), {
    usesToken: !!token,
    expiresAt: page1.meta.expires?.getTime(),
  });
  headers["content-type"] = "application/json; charset=utf-8";
  headers["X-Esikit-Cache"] = page1.meta.cache;
  c.get("log").cache = "all";

  deadline.handOff();
  let written = 0; // pages with records written so far
  let next: EsiPage<Uint8Array> | undefined = page1;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(OPEN);
    },
    // One page with records per pull: the walk fetches ahead only as far as its lookahead.
    async pull(controller) {
      try {
        for (;;) {
          const page: EsiPage<Uint8Array> | undefined = next ?? (await walk.next()).value ??
            undefined;
          next = undefined;
          if (!page) {
            controller.enqueue(CLOSE);
            controller.close();
            deadline.clear();
            return;
          }
          deadline.restart();
          const inner = arrayItems(page.data);
          if (inner === undefined) {
            throw new Error(
              `Cannot merge the pages of "${template}": page ${page.page} is not an array`,
            );
          }
          if (!inner.length) continue;
          if (written++) controller.enqueue(COMMA);
          controller.enqueue(inner);
          return;
        }
      } catch (error) {
        deadline.clear();
        logger?.({
          level: "warn",
          msg: "all=true stream cut short",
          route: template,
          error: error instanceof Error ? error.message : String(error),
        });
        // Never a complete array of mixed or missing pages: the caller sees the body fail.
        controller.error(error);
        await walk.return().catch(() => {});
      }
    },
    async cancel() {
      deadline.clear();
      await walk.return().catch(() => {});
    },
  }, { highWaterMark: 0 });
  return c.body(body, 200, headers);
}

/** Page 1's meta as the headers `passHeaders` reads (a page carries meta, not headers). */
function metaHeaders(page: EsiPage<Uint8Array>, language: string): Headers {
  const { meta } = page;
  const headers = new Headers({ "x-pages": String(page.pages), "content-language": language });
  if (meta.lastModified) headers.set("last-modified", meta.lastModified.toUTCString());
  if (meta.requestId) headers.set("x-esi-request-id", meta.requestId);
  if (meta.compatibilityDate) headers.set("x-compatibility-date", meta.compatibilityDate);
  return headers;
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * The bytes between a JSON array's brackets, trimmed (empty for `[]`), or
 * `undefined` when the bytes are not an array. ESI's bytes are passed on
 * without being parsed and written again.
 */
function arrayItems(bytes: Uint8Array): Uint8Array | undefined {
  let start = 0;
  let end = bytes.length;
  while (start < end && WHITESPACE.has(bytes[start])) start++;
  while (end > start && WHITESPACE.has(bytes[end - 1])) end--;
  if (end - start < 2 || bytes[start] !== 0x5b || bytes[end - 1] !== 0x5d) return undefined;
  start++;
  end--;
  while (start < end && WHITESPACE.has(bytes[start])) start++;
  while (end > start && WHITESPACE.has(bytes[end - 1])) end--;
  return bytes.subarray(start, end);
}
