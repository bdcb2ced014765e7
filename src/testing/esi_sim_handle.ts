/**
 * How the ESI simulator answers one request: compatibility date, route,
 * latency and faults, the error limit, the token, the route's answer with
 * its cache headers and 304s, then the rate limits and the headers every
 * answer carries. Internal to ./esi_simulator.ts.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import type { OperationMeta } from "../operation_meta.ts";
import { authenticate, type EsiSimTokenVerifier } from "./esi_sim_auth.ts";
import { type Answer, answer } from "./esi_sim_content.ts";
import { type CompatibilityDates, floorSecond, httpDate } from "./esi_sim_dates.ts";
import { damage, damageOf } from "./esi_sim_faults.ts";
import {
  type ErrorWindow,
  type EsiSimGroupSize,
  formatLimit,
  type GroupBuckets,
  simTokenCost,
} from "./esi_sim_limits.ts";
import type { RequestLedger } from "./esi_sim_ledger.ts";
import type { EsiSimRequest } from "./esi_sim_options.ts";
import { lookupRoute, type RouteLookup } from "./esi_sim_routes.ts";
import type { RouteScripts } from "./esi_sim_scripts.ts";

/** What the handler reads and updates: the simulator's state. */
export interface EsiSimContext {
  readonly clock: Clock;
  readonly errors: ErrorWindow;
  readonly buckets: GroupBuckets;
  readonly rateLimits: Readonly<Record<string, EsiSimGroupSize>>;
  readonly dates: CompatibilityDates;
  readonly verify?: EsiSimTokenVerifier;
  readonly latencyMs: number;
  readonly scripts: RouteScripts;
  readonly ledger: RequestLedger;
  /** Aborts when the simulator closes; read anew for each request. */
  stopping(): AbortSignal;
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

/** Answers requests as ESI does, over the simulator's state. */
export class EsiSimHandler {
  readonly #ctx: EsiSimContext;

  constructor(ctx: EsiSimContext) {
    this.#ctx = ctx;
  }

  /** Answers one request; `overSocket` when it came through a server rather than `fetch`. */
  async handle(req: Request, overSocket: boolean): Promise<Response> {
    const now = this.#ctx.clock.now();
    const url = new URL(req.url);
    const method = req.method.toUpperCase();
    const lookup = lookupRoute(method, url.pathname);
    const op = lookup.kind === "match" ? lookup.match.op : undefined;
    const record = this.#ctx.ledger.record(req, url, method, op, now);
    const stats = this.#ctx.ledger.live;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    const call: Call = {
      now,
      record,
      op,
      identity: "ip",
      compatibilityDate: this.#ctx.dates.oldest,
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
    const date = this.#ctx.dates.resolve(requested);
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
    const state = this.#ctx.scripts.state(op);
    const page = Number(url.searchParams.get("page") ?? 1);
    const fault = this.#ctx.scripts.takeFault(op.key, page);
    const faultStatus = fault?.take();
    const stopping = this.#ctx.stopping();

    const latency = this.#ctx.latencyMs + (fault?.fault.latencyMs ?? 0);
    if (latency > 0) {
      const waited = await this.#wait(latency, req, overSocket, stopping);
      if (waited === STOPPED) return stopped();
      call.now = this.#ctx.clock.now();
    }
    if (this.#ctx.errors.spent(call.now)) {
      return this.#finish(call, this.#error(420, ERROR_LIMITED));
    }
    if (fault?.fault.hang) {
      await this.#wait(Infinity, req, overSocket, stopping);
      return stopped();
    }

    const auth = await authenticate(
      req.headers.get("authorization"),
      op,
      params,
      call.now,
      this.#ctx.verify,
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
      this.#ctx.scripts.turnover(op.key, state, result.page);
    }
    return response;
  }

  // Applies the limits, counts, and adds the headers every answer carries.
  #finish(call: Call, planned: Planned): Response {
    let { status, headers, body } = planned;
    const { now, op } = call;
    if (status !== 420 && this.#ctx.errors.spent(now)) {
      ({ status, headers, body } = this.#error(420, ERROR_LIMITED));
    }
    const limit = op?.rateLimit;
    if (limit && status !== 420 && !planned.bare) {
      const size = this.#ctx.rateLimits[limit.group] ?? limit;
      const cost = simTokenCost(status);
      let charged = this.#ctx.buckets.charge(limit.group, size, call.identity, cost, now);
      let used = cost;
      if ("retryAfter" in charged) {
        const retryAfter = charged.retryAfter;
        ({ status, headers, body } = this.#error(429, REASONS[429]));
        headers.push(["retry-after", String(retryAfter)]);
        charged = this.#ctx.buckets.peek(limit.group, size, call.identity, now);
        used = 0;
      }
      headers.push(
        ["x-ratelimit-group", limit.group],
        ["x-ratelimit-limit", formatLimit(size)],
        ["x-ratelimit-remaining", String(charged.remaining)],
        ["x-ratelimit-used", String(used)],
      );
    }
    if (status >= 400) this.#ctx.errors.count(now);
    this.#ctx.ledger.answered(status);
    call.record.status = status;
    headers.push(["date", httpDate(now)]);
    if (planned.proxy && status !== 420) {
      return new Response(call.record.method === "HEAD" ? null : body, { status, headers });
    }
    headers.push(
      ["x-esi-request-id", crypto.randomUUID()],
      ["x-compatibility-date", call.compatibilityDate],
      ["content-language", call.language],
      ["x-esi-error-limit-remain", String(this.#ctx.errors.remain(now))],
      ["x-esi-error-limit-reset", String(this.#ctx.errors.resetSeconds(now))],
    );
    return new Response(call.record.method === "HEAD" ? null : body, { status, headers });
  }

  #error(status: number, error: string): Planned {
    return { status, headers: [JSON_TYPE], body: errorBody(error) };
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
        await this.#ctx.clock.sleep(ms, signal);
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

function stopped(): Response {
  return new Response(errorBody("The ESI simulator stopped"), {
    status: 503,
    headers: [JSON_TYPE],
  });
}

export const identityOf = (characterId: number | undefined): string =>
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
