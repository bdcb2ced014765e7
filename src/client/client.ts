/**
 * `EsiClient`: the state a client shares with those derived from it, the
 * derivations (`with*()`), and the public methods. Every call runs through
 * `src/pipeline/run.ts`; the long calls are `walks.ts`.
 *
 * Over the ~450 lines the project aims for on purpose: about 200 are code,
 * the rest the TSDoc and example every public method owes JSR; splitting
 * the class would put a second exported class on a root at its name cap.
 *
 * @module
 */

import type { Settled } from "../bulk.ts";
import type { Clock } from "../clock.ts";
import { assertExtraHeaders } from "../http/headers.ts";
import { resolveRetryPolicy, type RetryPolicy } from "../http/retry.ts";
import type { EsiMethod } from "../operation_meta.ts";
import type { ProgressOptions } from "../observe/progress.ts";
import type { CursorOptions, CursorSync } from "../paginate/cursor.ts";
import type { FromIdOptions } from "../paginate/from_id.ts";
import type { EsiPage, PagesOptions } from "../paginate/x_pages.ts";
import { run } from "../pipeline/run.ts";
import type { Config, Shared } from "../pipeline/types.ts";
import type { EsiData, EsiPath } from "../typed.ts";
import type {
  BulkCall,
  BulkOptions,
  CursorRecord,
  EsiCallArgs,
  EsiCallOptions,
  EsiClientOptions,
  EsiLanguage,
  EsiResponse,
  RecordOf,
  RequestOptions,
  TokenInput,
} from "./options.ts";
import { checkDate, checkLanguage, resolveClient } from "./resolve.ts";
import {
  allPages,
  bulk,
  bulkOf,
  type Caller,
  cursorSync,
  fromIdWalk,
  streamPages,
  type WalkOptions,
} from "./walks.ts";

const inherited = Symbol("inherited");

/**
 * A client for EVE Online's ESI. Every call goes through one pipeline that
 * caches (with ETag revalidation), coalesces identical calls, stays inside
 * the concurrency limit, times out, retries transient failures, and reports
 * what happened in `meta` and through hooks.
 *
 * @example A cached, retried call with typed errors
 * ```ts
 * import { EsiClient, EsiHttpError } from "@esikit/esi";
 *
 * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
 * try {
 *   const status = await esi.get("/status");
 *   console.log(status.players);
 * } catch (err) {
 *   if (err instanceof EsiHttpError) console.error(err.status, err.requestId);
 * }
 * ```
 */
export class EsiClient {
  readonly #shared: Shared;
  readonly #config: Config;
  // What the long calls (src/client/walks.ts) need: this client's pipeline.
  #caller?: Caller;

  /**
   * Creates a client.
   *
   * @param options The client's options; see {@link EsiClientOptions}.
   */
  constructor(options: EsiClientOptions = {}) {
    const parent = (options as { [inherited]?: [Shared, Config] })[inherited];
    ({ shared: this.#shared, config: this.#config } = parent
      ? { shared: parent[0], config: parent[1] }
      : resolveClient(options));
  }

  /** The clock this client reads the time from and waits with. */
  get clock(): Clock {
    return this.#shared.clock;
  }

  /** The compatibility date this client sends. */
  get compatibilityDate(): string {
    return this.#config.compatibilityDate;
  }

  /**
   * A client that adds these headers to every request; it shares this one's
   * cache, limits and connection.
   *
   * @param headers The headers to add.
   * @returns The derived client.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const traced = new EsiClient({ userAgent: "MyApp/1.0" }).withHeaders({ "X-Trace": "1" });
   * ```
   */
  withHeaders(headers: Record<string, string>): EsiClient {
    assertExtraHeaders(headers);
    return this.#derive({ headers: { ...this.#config.headers, ...headers } });
  }

  /**
   * A client with another timeout per try.
   *
   * @param timeoutMs The timeout in milliseconds; 0 for none.
   * @returns The derived client.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const patient = new EsiClient({ userAgent: "MyApp/1.0" }).withTimeout(60_000);
   * ```
   */
  withTimeout(timeoutMs: number): EsiClient {
    return this.#derive({ timeoutMs });
  }

  /**
   * A client with another retry policy (merged over this one's).
   *
   * @param retry The policy, or the number of retries.
   * @returns The derived client.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const once = new EsiClient({ userAgent: "MyApp/1.0" }).withRetry(0);
   * ```
   */
  withRetry(retry: Partial<RetryPolicy> | number): EsiClient {
    return this.#derive({ retry: resolveRetryPolicy(retry, this.#config.retry) });
  }

  /**
   * A client that sends another compatibility date.
   *
   * @param date The date, `YYYY-MM-DD`.
   * @returns The derived client.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const pinned = new EsiClient({ userAgent: "MyApp/1.0" }).withCompatibilityDate("2025-08-26");
   * ```
   */
  withCompatibilityDate(date: string): EsiClient {
    return this.#derive({ compatibilityDate: checkDate(date) });
  }

  /**
   * A client that asks for names and descriptions in another language
   * (`Accept-Language`); its answers are cached apart from other languages'.
   *
   * @param language One of ESI's languages.
   * @returns The derived client.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const german = new EsiClient({ userAgent: "MyApp/1.0" }).withLanguage("de");
   * ```
   */
  withLanguage(language: EsiLanguage): EsiClient {
    return this.#derive({ language: checkLanguage(language) });
  }

  /**
   * A client bound to a character: every call carries its access token. A
   * token source (from `TokenManager`) is refreshed as needed, and a 401 makes
   * it refresh once and the call retry once.
   *
   * @param token A raw access token, or a source of them.
   * @returns The derived client.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * declare const accessToken: string;
   * const me = new EsiClient({ userAgent: "MyApp/1.0" }).withToken(accessToken);
   * ```
   */
  withToken(token: TokenInput): EsiClient {
    return this.#derive({ token });
  }

  /**
   * Sends a typed call and returns the whole answer: data, status, headers
   * and meta. The path must be one of the spec's, and the parameters its own.
   *
   * @param method The HTTP method.
   * @param path The route template, e.g. `/markets/{region_id}/orders`.
   * @param args The call's parameters and options.
   * @returns The answer.
   * @throws {EsiRequestError} Before anything is sent, when the call is invalid.
   * @throws {EsiHttpError} When ESI answers 4xx/5xx (unless `throwOnError: false`).
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
   * const res = await esi.request("GET", "/status");
   * console.log(res.data.players, res.meta.cache, res.meta.expires);
   * ```
   */
  request<M extends EsiMethod, P extends EsiPath<Lowercase<M>>>(
    method: M,
    path: P,
    ...args: EsiCallArgs<Lowercase<M>, P, { raw?: undefined }>
  ): Promise<EsiResponse<EsiData<Lowercase<M>, P>>>;
  /**
   * {@link EsiClient.request} with `raw: "text"`: `data` is the body as text, still checked to be JSON.
   *
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const { data } = await new EsiClient().request("GET", "/status", { raw: "text" });
   * ```
   */
  request<M extends EsiMethod, P extends EsiPath<Lowercase<M>>>(
    method: M,
    path: P,
    options: EsiCallOptions<Lowercase<M>, P> & { raw: "text" },
  ): Promise<EsiResponse<string>>;
  /**
   * {@link EsiClient.request} with `raw: "bytes"`: `data` is a copy of the body's bytes.
   *
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const { data } = await new EsiClient().request("GET", "/status", { raw: "bytes" });
   * ```
   */
  request<M extends EsiMethod, P extends EsiPath<Lowercase<M>>>(
    method: M,
    path: P,
    options: EsiCallOptions<Lowercase<M>, P> & { raw: "bytes" },
  ): Promise<EsiResponse<Uint8Array>>;
  request(method: string, path: string, options?: unknown): Promise<EsiResponse<unknown>> {
    return this.requestUntyped(method, path, options as RequestOptions);
  }

  /**
   * Sends a call to any path, typed or not: the escape hatch for routes newer
   * than esikit's spec. Routes the spec knows are still checked against it,
   * whether named by template or by a concrete path (`/characters/1/skills`
   * is matched to its route: its checks, rate-limit group and template).
   *
   * @param method The HTTP method.
   * @param path The route template or a literal path.
   * @param options The call's parameters and options.
   * @returns The answer, with `data` of the type you name.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
   * const res = await esi.requestUntyped<{ players: number }>("GET", "/status");
   * console.log(res.data.players);
   * ```
   */
  requestUntyped<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<EsiResponse<T>> {
    return run<T>(this.#shared, this.#config, method.toUpperCase(), path, options);
  }

  /**
   * GETs a route and returns its typed data.
   *
   * @param path The route template.
   * @param args The call's parameters and options.
   * @returns The decoded body.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
   * const orders = await esi.get("/markets/{region_id}/orders", {
   *   path: { region_id: 10000002 },
   *   query: { order_type: "all" },
   * });
   * console.log(orders[0]?.price);
   * ```
   */
  get<P extends EsiPath<"get">>(
    path: P,
    ...args: EsiCallArgs<"get", P, { raw?: undefined }>
  ): Promise<EsiData<"get", P>>;
  /**
   * {@link EsiClient.get} with `raw: "text"`: the body as text, still checked to be JSON.
   *
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const json: string = await new EsiClient().get("/status", { raw: "text" });
   * ```
   */
  get<P extends EsiPath<"get">>(
    path: P,
    options: EsiCallOptions<"get", P> & { raw: "text" },
  ): Promise<string>;
  /**
   * {@link EsiClient.get} with `raw: "bytes"`: a copy of the body's bytes.
   *
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const bytes: Uint8Array = await new EsiClient().get("/status", { raw: "bytes" });
   * ```
   */
  get<P extends EsiPath<"get">>(
    path: P,
    options: EsiCallOptions<"get", P> & { raw: "bytes" },
  ): Promise<Uint8Array>;
  get(path: string, options?: unknown): Promise<unknown> {
    return this.#data("GET", path, options);
  }

  /**
   * POSTs to a route and returns its typed data.
   *
   * @param path The route template.
   * @param args The call's parameters and options; `body` is sent as JSON.
   * @returns The decoded body.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
   * const names = await esi.post("/universe/names", { body: [30000142] });
   * console.log(names[0]?.name);
   * ```
   */
  post<P extends EsiPath<"post">>(
    path: P,
    ...args: EsiCallArgs<"post", P>
  ): Promise<EsiData<"post", P>> {
    return this.#data<EsiData<"post", P>>("POST", path, args[0]);
  }

  /**
   * PUTs to a route and returns its typed data.
   *
   * @param path The route template.
   * @param args The call's parameters and options; `body` is sent as JSON.
   * @returns The decoded body.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * declare const esi: EsiClient;
   * await esi.put("/characters/{character_id}/contacts", {
   *   path: { character_id: 2112625428 },
   *   query: { standing: 5 },
   *   body: [93265215],
   * });
   * ```
   */
  put<P extends EsiPath<"put">>(
    path: P,
    ...args: EsiCallArgs<"put", P>
  ): Promise<EsiData<"put", P>> {
    return this.#data<EsiData<"put", P>>("PUT", path, args[0]);
  }

  /**
   * DELETEs at a route and returns its typed data.
   *
   * @param path The route template.
   * @param args The call's parameters and options.
   * @returns The decoded body.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * declare const esi: EsiClient;
   * await esi.delete("/characters/{character_id}/contacts", {
   *   path: { character_id: 2112625428 },
   *   query: { contact_ids: [93265215] },
   * });
   * ```
   */
  delete<P extends EsiPath<"delete">>(
    path: P,
    ...args: EsiCallArgs<"delete", P>
  ): Promise<EsiData<"delete", P>> {
    return this.#data<EsiData<"delete", P>>("DELETE", path, args[0]);
  }

  /**
   * Sends a HEAD request to a GET route: the headers and meta, no body.
   *
   * @param path The route template.
   * @param args The call's parameters and options.
   * @returns The answer, with `data` undefined.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
   * const { meta } = await esi.head("/markets/{region_id}/orders", {
   *   path: { region_id: 10000002 },
   *   query: { order_type: "all" },
   * });
   * console.log(meta.pages);
   * ```
   */
  head<P extends EsiPath<"get">>(
    path: P,
    ...args: EsiCallArgs<"get", P>
  ): Promise<EsiResponse<undefined>> {
    return this.requestUntyped<undefined>("HEAD", path, args[0] as RequestOptions);
  }

  /**
   * Streams the pages of an X-Pages route in order, as they arrive: page 1
   * first, then the others in parallel. Every page is checked to belong to
   * the version page 1 had; a resource that changes mid-stream throws
   * {@link EsiPaginationError} rather than yield a mix.
   *
   * @param path The route template.
   * @param args The call's parameters and options; `paging` tunes the walk.
   * @returns The pages.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
   * for await (const page of esi.pages("/markets/{region_id}/orders", {
   *   path: { region_id: 10000002 },
   *   query: { order_type: "all" },
   * })) {
   *   console.log(page.page, "of", page.pages, page.data.length);
   * }
   * ```
   */
  pages<P extends EsiPath<"get">>(
    path: P,
    ...args: EsiCallArgs<"get", P, { paging?: PagesOptions } & ProgressOptions>
  ): AsyncGenerator<EsiPage<EsiData<"get", P>>, void, undefined> {
    return streamPages(this.#walks(), path, args[0] as WalkOptions);
  }

  /**
   * Fetches every page of an X-Pages route and returns all its records: one
   * consistent version of the resource, or an error — never part of it.
   *
   * @param path The route template.
   * @param args The call's parameters and options; `paging` tunes the walk.
   * @returns Every record, in page order.
   * @throws {EsiPaginationError} When a page fails after its retries, or the
   *   resource keeps changing.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
   * const orders = await esi.all("/markets/{region_id}/orders", {
   *   path: { region_id: 10000002 },
   *   query: { order_type: "all" },
   * });
   * console.log(orders.length);
   * ```
   */
  all<P extends EsiPath<"get">>(
    path: P,
    ...args: EsiCallArgs<"get", P, { paging?: PagesOptions } & ProgressOptions>
  ): Promise<EsiData<"get", P>> {
    return allPages(this.#walks(), path, args[0] as WalkOptions) as Promise<EsiData<"get", P>>;
  }

  /**
   * Syncs a cursor-paginated route (`x-pagination: cursor`): without
   * `cursor.state`, an initial sync back to the oldest record; with it, the
   * records newer than the last sync. Persist the returned `cursor`.
   *
   * @param path The route template.
   * @param args The call's parameters and options; `cursor` carries the saved state.
   * @returns The records, oldest first, and the state to persist.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * declare const esi: EsiClient;
   * const first = await esi.syncCursor("/corporations/{corporation_id}/projects", {
   *   path: { corporation_id: 98000001 },
   * });
   * const later = await esi.syncCursor("/corporations/{corporation_id}/projects", {
   *   path: { corporation_id: 98000001 },
   *   cursor: { state: first.cursor },
   * });
   * ```
   */
  syncCursor<P extends EsiPath<"get">>(
    path: P,
    ...args: EsiCallArgs<
      "get",
      P,
      { cursor?: CursorOptions<CursorRecord<EsiData<"get", P>>> } & ProgressOptions
    >
  ): Promise<CursorSync<CursorRecord<EsiData<"get", P>>>> {
    return cursorSync(this.#walks(), path, args[0] as RequestOptions);
  }

  /**
   * Walks a `from_id` route (wallet transactions) back in time and returns
   * every record once, newest first.
   *
   * @param path The route template.
   * @param args The call's parameters and options; `fromId` tunes the walk.
   * @returns Every record, newest first.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * declare const esi: EsiClient;
   * const transactions = await esi.walkFromId("/characters/{character_id}/wallet/transactions", {
   *   path: { character_id: 2112625428 },
   * });
   * ```
   */
  walkFromId<P extends EsiPath<"get">>(
    path: P,
    ...args: EsiCallArgs<
      "get",
      P,
      { fromId?: FromIdOptions<RecordOf<EsiData<"get", P>>> } & ProgressOptions
    >
  ): Promise<EsiData<"get", P>> {
    return fromIdWalk(this.#walks(), path, args[0] as RequestOptions) as Promise<EsiData<"get", P>>;
  }

  /**
   * Sends many calls at once, inside every limit, and returns each outcome
   * in input order: one failure never fails the batch.
   *
   * @param calls The calls.
   * @param options The most calls of the bulk in flight at once.
   * @returns Each call's response, or its error.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
   * const results = await esi.many([
   *   { route: "/status" },
   *   { route: "/characters/{character_id}", path: { character_id: 2112625428 } },
   *   { method: "POST", route: "/universe/names", body: [30000142] },
   * ]);
   * for (const r of results) console.log(r.ok ? r.value.status : r.error.message);
   * ```
   */
  many(
    calls: readonly BulkCall[],
    options: BulkOptions = {},
  ): Promise<Settled<EsiResponse<unknown>>[]> {
    return bulk(this.#walks(), calls, options);
  }

  /**
   * Calls one GET route with many sets of parameters, inside every limit, and
   * returns each outcome in input order, typed.
   *
   * @param path The route template.
   * @param calls The parameters of each call.
   * @param options The most calls of the bulk in flight at once.
   * @returns Each call's data, or its error.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
   * const characters = await esi.manyOf(
   *   "/characters/{character_id}",
   *   [2112625428, 95465499].map((character_id) => ({ path: { character_id } })),
   * );
   * for (const c of characters) if (c.ok) console.log(c.value.name);
   * ```
   */
  manyOf<P extends EsiPath<"get">>(
    path: P,
    calls: readonly EsiCallOptions<"get", P>[],
    options: BulkOptions = {},
  ): Promise<Settled<EsiData<"get", P>>[]> {
    return bulkOf(this.#walks(), path, calls as readonly RequestOptions[], options);
  }

  /** Made on a long call's first use: a client derived per request (the gateway's) never needs it. */
  #walks(): Caller {
    return this.#caller ??= {
      call: (method, path, options) => this.requestUntyped(method, path, options),
      clock: this.#shared.clock,
      maxPages: this.#shared.maxPages,
    };
  }

  async #data<T>(method: string, path: string, options: unknown): Promise<T> {
    return (await this.requestUntyped<T>(method, path, options as RequestOptions)).data;
  }

  #derive(patch: Partial<Config>): EsiClient {
    const config = { ...this.#config, ...patch };
    return new EsiClient({ [inherited]: [this.#shared, config] } as EsiClientOptions);
  }
}
