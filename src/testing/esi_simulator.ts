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
import type { OperationKey } from "../spec/operations.gen.ts";
import type { EsiSimRoute } from "./esi_sim_content.ts";
import { CompatibilityDates, DEFAULT_COMPATIBILITY_DATES } from "./esi_sim_dates.ts";
import type { EsiSimFault } from "./esi_sim_faults.ts";
import { EsiSimHandler, identityOf } from "./esi_sim_handle.ts";
import { RequestLedger } from "./esi_sim_ledger.ts";
import { ErrorWindow, type EsiSimGroupSize, formatLimit, GroupBuckets } from "./esi_sim_limits.ts";
import type {
  EsiSimBucket,
  EsiSimRequest,
  EsiSimStats,
  EsiSimulatorOptions,
} from "./esi_sim_options.ts";
import { rateLimitGroups } from "./esi_sim_routes.ts";
import { RouteScripts } from "./esi_sim_scripts.ts";
import { noListener, type SimListen, type SimServer } from "./sim_server.ts";

export type {
  EsiSimBucket,
  EsiSimRequest,
  EsiSimStats,
  EsiSimulatorOptions,
} from "./esi_sim_options.ts";

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
  readonly #buckets = new GroupBuckets();
  readonly #rateLimits: Readonly<Record<string, EsiSimGroupSize>>;
  readonly #port: number;
  readonly #listen?: SimListen;
  readonly #scripts: RouteScripts;
  readonly #ledger = new RequestLedger();
  readonly #handler: EsiSimHandler;
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
    const errors = new ErrorWindow(options.errorLimit ?? 100, options.errorWindowMs ?? 60_000);
    this.#rateLimits = options.rateLimits ?? {};
    const dates = new CompatibilityDates(
      options.compatibilityDates ?? DEFAULT_COMPATIBILITY_DATES,
    );
    this.#port = options.port ?? 0;
    this.#listen = options.listen;
    this.#scripts = new RouteScripts(options.data);
    this.#handler = new EsiSimHandler({
      clock: this.#clock,
      errors,
      buckets: this.#buckets,
      rateLimits: this.#rateLimits,
      dates,
      verify: options.verifyToken,
      latencyMs: options.latencyMs ?? 0,
      scripts: this.#scripts,
      ledger: this.#ledger,
      stopping: () => this.#stopping.signal,
    });
  }

  /**
   * Answers one request, runtime-agnostic: usable inside Hono or any server.
   * A hang or latency ends early when the request's signal aborts.
   */
  readonly handler = (req: Request): Promise<Response> => this.#handler.handle(req, false);

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
    this.#handler.handle(
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
    this.#server = await listen((req) => this.#handler.handle(req, true), {
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
    this.#scripts.route(key, script);
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
    this.#scripts.setPages(key, pages);
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
    this.#scripts.bump(key);
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
    this.#scripts.fault(key, fault);
    return this;
  }

  /**
   * Removes the faults of a route, or all faults.
   *
   * @param key The operation or `"*"`; every fault when omitted.
   * @returns The simulator.
   */
  clearFaults(key?: OperationKey | "*"): this {
    this.#scripts.clearFaults(key);
    return this;
  }

  /** Every request received since the start or the last {@link EsiSimulator.reset}, in arrival order. */
  get requests(): readonly EsiSimRequest[] {
    return this.#ledger.requests;
  }

  /** A snapshot of the counters. */
  get stats(): EsiSimStats {
    return this.#ledger.stats;
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
    return this.#ledger.waitForRequests(count);
  }

  /**
   * Clears the request records, the counters and every fault. Scripts,
   * resource versions and the limits' windows stay.
   */
  reset(): void {
    this.#ledger.reset();
    this.#scripts.clearFaults();
  }
}
