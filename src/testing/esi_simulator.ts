/**
 * A simulated ESI for tests: a runtime-agnostic `fetch` handler (served on
 * 127.0.0.1 by an adapter) that answers every operation of the spec the way ESI does —
 * cache headers and 304s, X-Pages, the error limit and its 420s, route-group
 * rate limits and their 429s, bearer tokens, compatibility dates — with
 * deterministic built-in data, scriptable routes and scriptable faults, and
 * a record of every request it received.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import type { OperationMeta } from "../operation_meta.ts";
import type { OperationKey } from "../spec/operations.gen.ts";
import { authenticate, type EsiSimTokenVerifier } from "./esi_sim_auth.ts";
import { type Answer, answer, type EsiSimRoute, isLazy, RouteState } from "./esi_sim_content.ts";
import { builtinRoutes, type EsiSimDataOptions } from "./esi_sim_data.ts";
import {
  CompatibilityDates,
  DEFAULT_COMPATIBILITY_DATES,
  floorSecond,
  httpDate,
} from "./esi_sim_dates.ts";
import { damage, damageOf, type EsiSimFault, FaultState } from "./esi_sim_faults.ts";
import {
  ErrorWindow,
  type EsiSimGroupSize,
  formatLimit,
  GroupBuckets,
  simTokenCost,
} from "./esi_sim_limits.ts";
import { noListener, type SimListen, type SimServer } from "./sim_server.ts";
import {
  lookupRoute,
  operationByKey,
  rateLimitGroups,
  type RouteLookup,
} from "./esi_sim_routes.ts";

/**
 * Options of an {@link EsiSimulator}.
 *
 * @example
 * ```ts
 * import { EsiSimulator, FakeClock } from "@esikit/esi/testing";
 * const sim = new EsiSimulator({
 *   clock: new FakeClock({ autoAdvance: true }),
 *   errorLimit: 10,
 *   rateLimits: { "market-order": { maxTokens: 150, windowMs: 900_000 } },
 * });
 * ```
 */
export interface EsiSimulatorOptions {
  /**
   * The time for `Date`, `Expires`, the limit windows, token expiry and
   * simulated latency. A `FakeClock` drives all of them in tests.
   * @default systemClock
   */
  clock?: Clock;
  /** Errors (4xx/5xx) allowed per window before every route answers 420. @default 100 */
  errorLimit?: number;
  /** The error limit's fixed window, in milliseconds. @default 60000 */
  errorWindowMs?: number;
  /** Rate-limit group sizes replacing the spec's `x-rate-limit`, by group name. */
  rateLimits?: Readonly<Record<string, EsiSimGroupSize>>;
  /**
   * The published compatibility dates.
   * @default the dates of esikit's spec, "2020-01-01" to "2026-07-17"
   */
  compatibilityDates?: readonly string[];
  /**
   * Checks an access token's signature (the SSO simulator's `verifyToken`
   * fits). By default tokens are decoded without verification; `exp` is
   * checked against the clock either way.
   */
  verifyToken?: EsiSimTokenVerifier;
  /** Latency added to every call, in milliseconds of the clock. @default 0 */
  latencyMs?: number;
  /** The sizes of the built-in data. */
  data?: EsiSimDataOptions;
  /** The port `start()` listens on. @default 0 (any free port) */
  port?: number;
  /** How `start()` listens when it is given no listener; the Deno adapter's `serve()` passes one. */
  listen?: SimListen;
}

/** One request the simulator received. */
export interface EsiSimRequest {
  /** The HTTP method. */
  method: string;
  /** The URL's path. */
  path: string;
  /** The operation it matched, or `null` for a path outside the spec. */
  route: OperationKey | null;
  /** The query parameters (the last value of a repeated one). */
  query: Record<string, string>;
  /** The request headers, names lower-cased, `Authorization` as `Bearer <redacted>`. */
  headers: Record<string, string>;
  /** When it arrived, by the simulator's clock. */
  at: number;
  /** The status it was answered with, once answered. */
  status?: number;
}

/** Counters of what the simulator answered. */
export interface EsiSimStats {
  /** Requests received. */
  requests: number;
  /** Responses sent. */
  responses: number;
  /** Responses by status. */
  byStatus: Record<number, number>;
  /** 304 Not Modified answers. */
  status304: number;
  /** 420 error-limited answers. */
  status420: number;
  /** 429 rate-limited answers (group limits and faults). */
  status429: number;
  /** 4xx and 5xx answers: what counts against the error limit. */
  errors: number;
  /** Requests being handled now. */
  inFlight: number;
  /** The most requests handled at once. */
  maxInFlight: number;
}

/** A rate-limit bucket, as {@link EsiSimulator.bucket} reports it. */
export interface EsiSimBucket {
  /** The group's limit as ESI writes it, `"150/15m"`. */
  limit: string;
  /** Tokens spent in the floating window. */
  used: number;
  /** Tokens left. */
  remaining: number;
}

type Header = [string, string];
type BodyAnswer = Extract<Answer, { kind: "body" }>;

interface Planned {
  status: number;
  headers: Header[];
  body: BodyInit | null;
  /** Charged to the route's group unless the answer comes from the game server itself. */
  bare?: boolean;
  /** A proxy's answer: none of ESI's headers (it still counts as an error). */
  proxy?: boolean;
}

interface Call {
  now: number;
  record: EsiSimRequest;
  op?: OperationMeta;
  identity: string;
  compatibilityDate: string;
  language: string;
}

const LANGUAGES = new Set(["en", "de", "fr", "ja", "ru", "zh", "ko", "es"]);
const JSON_TYPE: Header = ["content-type", "application/json; charset=utf-8"];
const VARY: Header = ["vary", "Accept-Language, X-Compatibility-Date, X-Tenant, Authorization"];
const ERROR_LIMITED =
  "This software has exceeded the error limit for ESI. If you are a user, please contact the maker of this software.";
const REASONS: Record<number, string> = {
  400: "Bad request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not found",
  420: ERROR_LIMITED,
  429: "Too many requests",
  500: "Internal server error",
  502: "Bad gateway",
  503: "Service unavailable",
  504: "Timeout contacting tranquility",
  520: "Internal error",
};
const STOPPED = Symbol("stopped");

const encoder = new TextEncoder();
const errorBody = (error: string): Uint8Array<ArrayBuffer> =>
  encoder.encode(JSON.stringify({ error }));

/**
 * A simulated ESI. Pass {@link EsiSimulator.fetch} as a client's `fetch`
 * (no socket, any runtime), or serve it on 127.0.0.1 with `serve()` from
 * `@esikit/esi/testing/deno` and point a client at {@link EsiSimulator.url}.
 *
 * Every operation of esikit's spec answers its success status with data of
 * its response schema, deterministic for `data.seed`, over a small universe
 * whose ids resolve (characters, corporations, alliances, types, systems).
 * Market orders honour `order_type` and `type_id`; assets and the wallet
 * journal come in ESI's page sizes. {@link EsiSimulator.route} scripts any
 * route. Paths outside the spec answer 404 `{"error":"Not found"}`.
 *
 * @example Serve, call, assert
 * ```ts
 * import { EsiSimulator, FakeClock } from "@esikit/esi/testing";
 * import { serve } from "@esikit/esi/testing/deno";
 *
 * await using sim = await serve(new EsiSimulator({ clock: new FakeClock() }));
 * sim.fault("GET /status", { statuses: [503] });
 * const first = await fetch(`${sim.url}/status`);
 * await first.body?.cancel();
 * const second = await fetch(`${sim.url}/status`);
 * await second.json();
 * sim.requests.map((r) => r.status); // [503, 200]
 * ```
 */
export class EsiSimulator implements AsyncDisposable {
  readonly #clock: Clock;
  readonly #errors: ErrorWindow;
  readonly #buckets = new GroupBuckets();
  readonly #rateLimits: Readonly<Record<string, EsiSimGroupSize>>;
  readonly #dates: CompatibilityDates;
  readonly #verify?: EsiSimTokenVerifier;
  readonly #latencyMs: number;
  readonly #port: number;
  readonly #listen?: SimListen;
  readonly #builtins: Map<OperationKey, EsiSimRoute>;
  readonly #states = new Map<string, RouteState>();
  #faults = new Map<string, FaultState[]>();
  #records: EsiSimRequest[] = [];
  #waiters: { count: number; resolve: () => void }[] = [];
  #stats: EsiSimStats = newStats();
  #server?: SimServer;
  #stopping = new AbortController();

  /**
   * Creates a simulator; it answers through `fetch` at once, and over
   * HTTP once started.
   *
   * @param options The clock, limits, dates, token check, latency and data sizes.
   */
  constructor(options: EsiSimulatorOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#errors = new ErrorWindow(options.errorLimit ?? 100, options.errorWindowMs ?? 60_000);
    this.#rateLimits = options.rateLimits ?? {};
    this.#dates = new CompatibilityDates(
      options.compatibilityDates ?? DEFAULT_COMPATIBILITY_DATES,
    );
    this.#verify = options.verifyToken;
    this.#latencyMs = options.latencyMs ?? 0;
    this.#port = options.port ?? 0;
    this.#listen = options.listen;
    this.#builtins = builtinRoutes(options.data);
  }

  /**
   * Answers one request, runtime-agnostic: usable inside Hono or any server.
   * A hang or latency ends early when the request's signal aborts.
   */
  readonly handler = (req: Request): Promise<Response> => this.#handle(req, false);

  /**
   * The simulator as a `fetch` function, without a socket: a client's
   * `fetch` option, a test's, a worker's. Relative URLs are resolved
   * against `http://esi.simulator`; absolute ones answer by their path.
   *
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * import { EsiSimulator } from "@esikit/esi/testing";
   * const sim = new EsiSimulator();
   * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)", fetch: sim.fetch });
   * (await esi.get("/status")).players; // a number
   * ```
   */
  readonly fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> =>
    this.#handle(
      input instanceof Request
        ? new Request(input, init)
        : new Request(new URL(input, "http://esi.simulator"), init),
      false,
    );

  /**
   * Serves the simulator on 127.0.0.1 (on a free port unless `port` was
   * given) through a listener: the one given, else the `listen` option.
   * `serve()` from `@esikit/esi/testing/deno` calls it with Deno's.
   *
   * @param listen How to listen on a socket in this runtime.
   * @throws {Error} When it is already serving, or has no listener.
   */
  async start(listen: SimListen | undefined = this.#listen): Promise<void> {
    if (this.#server) throw new Error("Cannot start the ESI simulator: it is already serving");
    if (!listen) throw noListener("ESI simulator");
    this.#server = await listen((req) => this.#handle(req, true), {
      hostname: "127.0.0.1",
      port: this.#port,
    });
  }

  /**
   * The base URL, `http://127.0.0.1:<port>`.
   *
   * @throws {Error} When the simulator is not serving.
   */
  get url(): string {
    if (!this.#server) throw new Error("Cannot read the ESI simulator's URL: call start() first");
    return this.#server.url;
  }

  /**
   * Stops serving: hanging and delayed requests end, connections close.
   * Safe to call twice; the simulator can be started again.
   */
  async close(): Promise<void> {
    this.#stopping.abort();
    const server = this.#server;
    this.#server = undefined;
    if (server) await server.close();
    this.#stopping = new AbortController();
  }

  /** @deprecated Use {@link EsiSimulator.close}. */
  stop(): Promise<void> {
    return this.close();
  }

  /** Closes the simulator, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Scripts what a route answers, replacing its built-in or earlier script.
   * The resource changes version (new `Last-Modified`).
   *
   * @param key The operation, `"GET /status"`.
   * @param script The body, pages or records, status, headers, cache age, fault.
   * @returns The simulator.
   * @throws {TypeError} When the spec has no such operation.
   * @example
   * ```ts
   * import { EsiSimulator } from "@esikit/esi/testing";
   * const sim = new EsiSimulator();
   * sim.route("GET /status", { body: { players: 1, server_version: "1", start_time: "2026-07-17T11:00:00Z" } });
   * sim.route("GET /markets/{region_id}/orders", { pages: [[{ order_id: 1 }], [{ order_id: 2 }]] });
   * ```
   */
  route(key: OperationKey, script: EsiSimRoute): this {
    const state = this.#state(this.#op(key));
    state.script = script;
    state.gen++;
    if (script.fault) this.fault(key, script.fault);
    return this;
  }

  /**
   * Replaces a route's X-Pages pages (keeping the rest of its script); the
   * resource changes version.
   *
   * @param key The operation.
   * @param pages The pages, each an array of records.
   * @returns The simulator.
   * @example
   * ```ts
   * import { EsiSimulator } from "@esikit/esi/testing";
   * new EsiSimulator().setPages("GET /markets/{region_id}/orders", [[{ order_id: 1 }]]);
   * ```
   */
  setPages(key: OperationKey, pages: readonly (readonly unknown[])[]): this {
    const state = this.#state(this.#op(key));
    // A built-in's generators give way; the script's fault is already registered.
    const { fault: _, ...rest } = isLazy(state.script) ? {} : state.script ?? {};
    state.script = { ...rest, pages };
    state.gen++;
    return this;
  }

  /**
   * Changes a route's resources without changing the script: a new version
   * with a later `Last-Modified`, new data for built-in routes and script
   * functions (and so a new ETag), as when ESI's data changes.
   *
   * @param key The operation.
   * @returns The simulator.
   * @example
   * ```ts
   * import { EsiSimulator } from "@esikit/esi/testing";
   * new EsiSimulator().bump("GET /status");
   * ```
   */
  bump(key: OperationKey): this {
    this.#state(this.#op(key)).gen++;
    return this;
  }

  /**
   * Adds a fault to a route, or to every route with `"*"`. Faults apply in
   * the order added; a call takes the first one that still applies to it.
   *
   * @param key The operation, or `"*"`.
   * @param fault What goes wrong, for which calls.
   * @returns The simulator.
   * @throws {TypeError} When the spec has no such operation.
   * @example
   * ```ts
   * import { EsiSimulator } from "@esikit/esi/testing";
   * const sim = new EsiSimulator();
   * sim.fault("GET /status", { statuses: [503, 503], retryAfter: 1 });
   * sim.fault("GET /markets/{region_id}/orders", { turnoverAfterPage: 1 });
   * ```
   */
  fault(key: OperationKey | "*", fault: EsiSimFault): this {
    if (key !== "*") this.#op(key);
    const list = this.#faults.get(key) ?? [];
    list.push(new FaultState(fault));
    this.#faults.set(key, list);
    return this;
  }

  /**
   * Removes the faults of a route, or all faults.
   *
   * @param key The operation or `"*"`; every fault when omitted.
   * @returns The simulator.
   */
  clearFaults(key?: OperationKey | "*"): this {
    if (key === undefined) this.#faults.clear();
    else this.#faults.delete(key);
    return this;
  }

  /** Every request received since the start or the last {@link EsiSimulator.reset}, in arrival order. */
  get requests(): readonly EsiSimRequest[] {
    return this.#records;
  }

  /** A snapshot of the counters. */
  get stats(): EsiSimStats {
    return { ...this.#stats, byStatus: { ...this.#stats.byStatus } };
  }

  /**
   * A rate-limit bucket's state now.
   *
   * @param group The group, `"market-order"`.
   * @param characterId The character, for token calls; the client's own bucket when omitted.
   * @returns The limit, tokens used and tokens left.
   * @throws {TypeError} When no operation has this group.
   * @example
   * ```ts
   * import { EsiSimulator } from "@esikit/esi/testing";
   * new EsiSimulator().bucket("market-order").remaining; // 12000
   * ```
   */
  bucket(group: string, characterId?: number): EsiSimBucket {
    const size = this.#rateLimits[group] ?? rateLimitGroups().get(group);
    if (!size) throw new TypeError(`Cannot read rate-limit group "${group}": no operation has it`);
    const state = this.#buckets.peek(group, size, identityOf(characterId), this.#clock.now());
    return { limit: formatLimit(size), ...state };
  }

  /**
   * Resolves once `count` requests have been received (counting since the
   * last reset): to act while a request hangs or waits.
   *
   * @param count The number of requests.
   * @returns When they have arrived.
   */
  waitForRequests(count: number): Promise<void> {
    if (this.#records.length >= count) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#waiters.push({ count, resolve });
    return promise;
  }

  /**
   * Clears the request records, the counters and every fault. Scripts,
   * resource versions and the limits' windows stay.
   */
  reset(): void {
    this.#records = [];
    this.#stats = { ...newStats(), inFlight: this.#stats.inFlight };
    this.#faults.clear();
  }

  #op(key: string): OperationMeta {
    const op = operationByKey(key);
    if (!op) throw new TypeError(`Cannot script "${key}": the spec has no such operation`);
    return op;
  }

  #state(op: OperationMeta): RouteState {
    let state = this.#states.get(op.key);
    if (!state) {
      state = new RouteState();
      state.script = this.#builtins.get(op.key as OperationKey);
      this.#states.set(op.key, state);
    }
    return state;
  }

  async #handle(req: Request, overSocket: boolean): Promise<Response> {
    const now = this.#clock.now();
    const url = new URL(req.url);
    const method = req.method.toUpperCase();
    const lookup = lookupRoute(method, url.pathname);
    const op = lookup.kind === "match" ? lookup.match.op : undefined;
    const record = this.#record(req, url, method, op, now);
    const stats = this.#stats;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    const call: Call = {
      now,
      record,
      op,
      identity: "ip",
      compatibilityDate: this.#dates.oldest,
      language: language(req.headers.get("accept-language")),
    };
    try {
      return await this.#respond(req, url, lookup, call, overSocket);
    } catch (err) {
      // In handler mode a client's abort travels back as fetch's rejection.
      if (!overSocket && req.signal.aborted) throw err;
      return this.#finish(call, this.#error(500, `Simulator route failed: ${err}`));
    } finally {
      stats.inFlight--;
    }
  }

  async #respond(
    req: Request,
    url: URL,
    lookup: RouteLookup,
    call: Call,
    overSocket: boolean,
  ): Promise<Response> {
    const requested = req.headers.get("x-compatibility-date") ??
      url.searchParams.get("compatibility_date");
    const date = this.#dates.resolve(requested);
    if (date === undefined) {
      return this.#finish(call, this.#error(400, `Invalid compatibility date "${requested}"`));
    }
    call.compatibilityDate = date;
    if (lookup.kind === "none") return this.#finish(call, this.#error(404, "Not found"));
    if (lookup.kind === "method") {
      const planned = this.#error(405, "Method not allowed");
      planned.headers.push(["allow", lookup.allowed.join(", ")]);
      return this.#finish(call, planned);
    }
    const { op, params, path } = lookup.match;
    const state = this.#state(op);
    const page = Number(url.searchParams.get("page") ?? 1);
    const fault = this.#takeFault(op.key, page);
    const faultStatus = fault?.take();
    const stopping = this.#stopping.signal;

    const latency = this.#latencyMs + (fault?.fault.latencyMs ?? 0);
    if (latency > 0) {
      const waited = await this.#wait(latency, req, overSocket, stopping);
      if (waited === STOPPED) return stopped();
      call.now = this.#clock.now();
    }
    if (this.#errors.spent(call.now)) return this.#finish(call, this.#error(420, ERROR_LIMITED));
    if (fault?.fault.hang) {
      await this.#wait(Infinity, req, overSocket, stopping);
      return stopped();
    }

    const auth = await authenticate(
      req.headers.get("authorization"),
      op,
      params,
      call.now,
      this.#verify,
    );
    if (auth.ok && auth.identity) call.identity = identityOf(auth.identity.characterId);
    if (!auth.ok) return this.#finish(call, this.#error(auth.status, auth.error));

    if (faultStatus !== undefined && faultStatus >= 400) {
      const planned = this.#error(faultStatus, REASONS[faultStatus] ?? `HTTP ${faultStatus}`);
      planned.proxy = fault!.fault.proxy;
      planned.bare = planned.proxy ||
        !(fault!.fault.rateLimitHeaders ?? (faultStatus !== 429 && faultStatus !== 520));
      if (fault!.fault.retryAfter !== undefined) {
        planned.headers.push(["retry-after", String(fault!.fault.retryAfter)]);
      }
      return this.#finish(call, planned);
    }

    let body: unknown;
    if (call.record.method === "POST" || call.record.method === "PUT") {
      const text = await req.text();
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        return this.#finish(call, this.#error(400, "Invalid JSON body"));
      }
    }
    const cacheAge = state.script?.cacheAge ?? op.cacheAge ?? 3600;
    const result = await answer(state, {
      op,
      method: call.record.method,
      path,
      params,
      query: url.searchParams,
      characterId: auth.identity?.characterId,
      now: call.now,
      body,
    }, cacheAge);
    if (result.kind === "error") {
      return this.#finish(call, this.#error(result.status, result.error));
    }

    const { prepared } = result;
    const headers = cacheHeaders(result, cacheAge, call.now);
    const status = result.version && prepared &&
        notModified(req.headers, prepared.etag, result.version.lastModified)
      ? 304
      : result.status;
    // A script's headers replace the simulator's own of the same name.
    for (const [name, value] of Object.entries(state.script?.headers ?? {})) {
      const lower = name.toLowerCase();
      const at = headers.findIndex(([n]) => n === lower);
      if (at >= 0) headers.splice(at, 1);
      headers.push([lower, value]);
    }
    let bodyInit: BodyInit | null = null;
    if (status !== 304 && prepared) {
      headers.push(JSON_TYPE);
      const harm = fault ? damageOf(fault.fault) : undefined;
      const damaged = harm ? damage(prepared.bytes, harm, overSocket) : undefined;
      // A Blob is sent without a copy; Deno would stream it chunked, so its
      // length is declared as ESI does.
      bodyInit = damaged?.body ?? prepared.blob;
      const length = damaged ? damaged.contentLength : prepared.bytes.length;
      if (length !== undefined) headers.push(["content-length", String(length)]);
    }
    const response = this.#finish(call, { status, headers, body: bodyInit });
    if (response.status === status && result.page !== undefined) {
      this.#turnover(op.key, state, result.page);
    }
    return response;
  }

  // Applies the limits, counts, and adds the headers every answer carries.
  #finish(call: Call, planned: Planned): Response {
    let { status, headers, body } = planned;
    const { now, op } = call;
    if (status !== 420 && this.#errors.spent(now)) {
      ({ status, headers, body } = this.#error(420, ERROR_LIMITED));
    }
    const limit = op?.rateLimit;
    if (limit && status !== 420 && !planned.bare) {
      const size = this.#rateLimits[limit.group] ?? limit;
      const cost = simTokenCost(status);
      let charged = this.#buckets.charge(limit.group, size, call.identity, cost, now);
      let used = cost;
      if ("retryAfter" in charged) {
        const retryAfter = charged.retryAfter;
        ({ status, headers, body } = this.#error(429, REASONS[429]));
        headers.push(["retry-after", String(retryAfter)]);
        charged = this.#buckets.peek(limit.group, size, call.identity, now);
        used = 0;
      }
      headers.push(
        ["x-ratelimit-group", limit.group],
        ["x-ratelimit-limit", formatLimit(size)],
        ["x-ratelimit-remaining", String(charged.remaining)],
        ["x-ratelimit-used", String(used)],
      );
    }
    const stats = this.#stats;
    if (status >= 400) {
      this.#errors.count(now);
      stats.errors++;
    }
    stats.responses++;
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    if (status === 304) stats.status304++;
    else if (status === 420) stats.status420++;
    else if (status === 429) stats.status429++;
    call.record.status = status;
    headers.push(["date", httpDate(now)]);
    if (planned.proxy && status !== 420) {
      return new Response(call.record.method === "HEAD" ? null : body, { status, headers });
    }
    headers.push(
      ["x-esi-request-id", crypto.randomUUID()],
      ["x-compatibility-date", call.compatibilityDate],
      ["content-language", call.language],
      ["x-esi-error-limit-remain", String(this.#errors.remain(now))],
      ["x-esi-error-limit-reset", String(this.#errors.resetSeconds(now))],
    );
    return new Response(call.record.method === "HEAD" ? null : body, { status, headers });
  }

  #error(status: number, error: string): Planned {
    return { status, headers: [JSON_TYPE], body: errorBody(error) };
  }

  #record(
    req: Request,
    url: URL,
    method: string,
    op: OperationMeta | undefined,
    at: number,
  ): EsiSimRequest {
    const headers: Record<string, string> = {};
    for (const [name, value] of req.headers) {
      headers[name] = name === "authorization"
        ? (value.startsWith("Bearer ") ? "Bearer <redacted>" : "<redacted>")
        : value;
    }
    const record: EsiSimRequest = {
      method,
      path: url.pathname,
      route: (op?.key as OperationKey | undefined) ?? null,
      query: Object.fromEntries(url.searchParams),
      headers,
      at,
    };
    this.#records.push(record);
    this.#stats.requests++;
    if (this.#waiters.length) {
      const count = this.#records.length;
      this.#waiters = this.#waiters.filter((w) => w.count > count || (w.resolve(), false));
    }
    return record;
  }

  #takeFault(key: string, page: number): FaultState | undefined {
    for (const list of [this.#faults.get(key), this.#faults.get("*")]) {
      for (const fault of list ?? []) {
        if (fault.left > 0 && fault.perCall && fault.covers(page)) return fault;
      }
    }
    return undefined;
  }

  #turnover(key: string, state: RouteState, page: number): void {
    for (const list of [this.#faults.get(key), this.#faults.get("*")]) {
      for (const fault of list ?? []) {
        if (fault.turnoversLeft > 0 && fault.fault.turnoverAfterPage === page) {
          fault.turnoversLeft--;
          state.gen++;
          return;
        }
      }
    }
  }

  // Waits on the clock; a close ends the wait with STOPPED, a client's abort
  // (handler mode only: a server's request signal is left alone) rejects.
  async #wait(
    ms: number,
    req: Request,
    overSocket: boolean,
    stopping: AbortSignal,
  ): Promise<typeof STOPPED | void> {
    const signal = overSocket ? stopping : AbortSignal.any([stopping, req.signal]);
    try {
      if (ms === Infinity) {
        await new Promise((_, reject) => {
          if (signal.aborted) reject(signal.reason);
          signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        });
      } else {
        await this.#clock.sleep(ms, signal);
      }
    } catch (err) {
      if (stopping.aborted) return STOPPED;
      throw err;
    }
  }
}

// The cache headers of a GET's answer: one resource version, one window.
function cacheHeaders(result: BodyAnswer, cacheAge: number, now: number): Header[] {
  const { version, prepared } = result;
  if (!version) return [];
  const headers: Header[] = [
    ["cache-control", cacheAge > 0 ? `public, max-age=${cacheAge}` : "no-cache"],
    ["expires", httpDate(version.expires)],
    ["last-modified", httpDate(version.lastModified)],
    ["x-esi-cache-status", result.miss ? "MISS" : "HIT"],
    VARY,
  ];
  if (cacheAge > 0) {
    headers.push(["age", String(Math.max(0, (floorSecond(now) - version.windowStart) / 1000))]);
  }
  if (prepared) headers.push(["etag", prepared.etag]);
  if (result.pages !== undefined) headers.push(["x-pages", String(result.pages)]);
  return headers;
}

function newStats(): EsiSimStats {
  return {
    requests: 0,
    responses: 0,
    byStatus: {},
    status304: 0,
    status420: 0,
    status429: 0,
    errors: 0,
    inFlight: 0,
    maxInFlight: 0,
  };
}

function stopped(): Response {
  return new Response(errorBody("The ESI simulator stopped"), {
    status: 503,
    headers: [JSON_TYPE],
  });
}

const identityOf = (characterId: number | undefined): string =>
  characterId === undefined ? "ip" : `character:${characterId}`;

function language(header: string | null): string {
  const tag = header?.split(",")[0].split(";")[0].trim().split("-")[0].toLowerCase();
  return tag && LANGUAGES.has(tag) ? tag : "en";
}

function notModified(headers: Headers, etag: string, lastModified: number): boolean {
  const inm = headers.get("if-none-match");
  if (inm !== null) {
    return inm.split(",").some((t) => {
      const tag = t.trim();
      return tag === "*" || tag === etag || tag === `W/${etag}`;
    });
  }
  const ims = headers.get("if-modified-since");
  return ims !== null && Date.parse(ims) >= lastModified;
}
