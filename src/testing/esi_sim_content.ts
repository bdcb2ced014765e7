/**
 * What a simulated route answers, and the versions of its resources: each
 * resource (route, path, query without the page parameters, and the
 * character for token routes) keeps a `Last-Modified` shared by all its
 * pages, a cache window giving `Expires`, and bodies serialised once per
 * version with an ETag hashed from the bytes.
 *
 * @module
 */

import type { OperationMeta } from "../operation_meta.ts";
import type { OperationKey } from "../spec/operations.gen.ts";
import { floorSecond } from "./esi_sim_dates.ts";
import type { EsiSimFault } from "./esi_sim_faults.ts";

/** What a route script's functions are told about the call they answer. */
export interface EsiSimRouteContext {
  /** The operation, `"GET /markets/{region_id}/orders"`. */
  readonly route: OperationKey;
  /** The path parameters, by name. */
  readonly params: Readonly<Record<string, string>>;
  /** The query string. */
  readonly query: URLSearchParams;
  /** The character of the bearer token, when there is one. */
  readonly characterId?: number;
  /** The resource's version: 1, then one more for every change (`bump`, `setPages`, turnover). */
  readonly version: number;
  /** The simulator's time, in epoch milliseconds. */
  readonly now: number;
  /** The request's JSON body, for `POST` and `PUT`. */
  readonly body?: unknown;
}

/**
 * Thrown by a route script's function to answer with an ESI error:
 * `{"error": message}` under `status`.
 *
 * @example
 * ```ts
 * import { EsiSimError, type EsiSimRoute } from "@esikit/esi/testing";
 * const route: EsiSimRoute = {
 *   body: (ctx) => {
 *     if (ctx.params.type_id === "0") throw new EsiSimError(404, "Type not found");
 *     return { type_id: Number(ctx.params.type_id) };
 *   },
 * };
 * ```
 */
export class EsiSimError extends Error {
  /** The HTTP status to answer with. */
  readonly status: number;

  /**
   * Creates the error a route script throws.
   *
   * @param status The HTTP status, 400 to 599.
   * @param message ESI's `error` text.
   */
  constructor(status: number, message: string) {
    super(message);
    this.name = "EsiSimError";
    this.status = status;
  }
}

/**
 * A JSON value of a scripted body.
 *
 * @example
 * ```ts
 * import type { EsiSimJson } from "@esikit/esi/testing";
 * const body: EsiSimJson = { players: 1 };
 * ```
 */
export type EsiSimJson = string | number | boolean | null | object;

/**
 * A value, or a function of the call computing it.
 *
 * @example
 * ```ts
 * import type { EsiSimValue } from "@esikit/esi/testing";
 * const players: EsiSimValue<number> = (ctx) => ctx.version * 10;
 * ```
 */
export type EsiSimValue<T> = T | ((ctx: EsiSimRouteContext) => T | Promise<T>);

/**
 * What a route answers. `GET` answers are computed once per resource
 * version, like ESI's cache: change them with `sim.route()`, `sim.setPages()`
 * or `sim.bump()`. Other methods compute theirs on every call.
 *
 * @example
 * ```ts
 * import type { EsiSimRoute } from "@esikit/esi/testing";
 * const status: EsiSimRoute = { body: { players: 1, server_version: "1", start_time: "2026-07-17T11:00:00Z" } };
 * const orders: EsiSimRoute = { pages: [[{ order_id: 1 }], [{ order_id: 2 }]] };
 * ```
 */
export interface EsiSimRoute {
  /** The JSON body (not for X-Pages, cursor or from_id routes: use `pages` or `records`). */
  body?: EsiSimValue<EsiSimJson>;
  /** The X-Pages pages, each an array of records: `X-Pages` is their count. */
  pages?: EsiSimValue<readonly (readonly unknown[])[]>;
  /**
   * The records of a cursor route (oldest first) or of a from_id route
   * (newest first, ids descending).
   */
  records?: EsiSimValue<readonly unknown[]>;
  /** The records' property in a cursor route's body. @default the route's last path segment, `-` as `_` */
  recordsKey?: string;
  /** The id property of a from_id route's records. @default "transaction_id" */
  idField?: string;
  /** Records per answer of a from_id route. @default 2500 */
  pageSize?: number;
  /** The status of a successful answer. @default 200; 204 for PUT and DELETE */
  status?: number;
  /** Extra response headers. */
  headers?: Readonly<Record<string, string>>;
  /** Overrides the spec's `x-cache-age`, in seconds. */
  cacheAge?: number;
  /** A fault to add to the route, as `sim.fault()` would. */
  fault?: EsiSimFault;
}

/** A built-in route whose pages are generated one at a time, on demand. */
export interface LazyPagesRoute extends EsiSimRoute {
  /** The number of pages. */
  pageCount: (ctx: EsiSimRouteContext) => number;
  /** Page `n` (1-based). */
  page: (ctx: EsiSimRouteContext, n: number) => readonly unknown[];
}

/** A body serialised once, with its ETag. */
export interface Prepared {
  /** The JSON bytes. */
  bytes: Uint8Array<ArrayBuffer>;
  /** The same bytes as a Blob: a Response takes a Blob without copying it. */
  blob: Blob;
  /** The strong ETag, quoted. */
  etag: string;
}

/** What the content layer decided to answer. */
export type Answer =
  | {
    kind: "body";
    status: number;
    prepared?: Prepared;
    /** The X-Pages count, on paged routes. */
    pages?: number;
    /** The page served, on paged routes. */
    page?: number;
    /** The resource version answered, for GETs: its dates become the cache headers. */
    version?: ResourceVersion;
    /** Whether this call opened a new version or cache window. */
    miss: boolean;
  }
  | { kind: "error"; status: number; error: string };

/** The dates of one resource version's cache window, as answered. */
export interface ResourceVersion {
  /** `Last-Modified`. */
  lastModified: number;
  /** When the cache window opened (whole seconds). */
  windowStart: number;
  /** `Expires`. */
  expires: number;
}

/** One resource's current version and cache window. */
export class Resource {
  /** The route generation the version belongs to. */
  gen = -1;
  /** `Last-Modified`, shared by every page of the version. */
  lastModified = -Infinity;
  /** When the cache window opened (whole seconds). */
  windowStart = 0;
  /** The window's length, in milliseconds. */
  windowMs = 0;
  /** Bodies of this version, by page or cursor position. */
  prepared = new Map<string, Promise<Prepared>>();
  /** The evaluated `pages`/`records` of this version. */
  data?: Promise<readonly unknown[]>;

  /** `Expires`. */
  get expires(): number {
    return this.windowStart + this.windowMs;
  }

  /**
   * Brings the resource up to date for a call.
   *
   * @param now The time.
   * @param cacheAgeS The cache lifetime, in seconds.
   * @param gen The route's generation.
   * @returns Whether a new version or cache window opened (a cache MISS).
   */
  touch(now: number, cacheAgeS: number, gen: number): boolean {
    if (this.gen !== gen) {
      this.gen = gen;
      // Strictly later, even within one second of fake time, so that a
      // turnover is always visible in Last-Modified.
      this.lastModified = Math.max(floorSecond(now), this.lastModified + 1000);
      this.prepared.clear();
      this.data = undefined;
    } else if (cacheAgeS > 0 && now < this.expires) {
      return false;
    }
    this.windowStart = floorSecond(now);
    this.windowMs = Math.max(0, cacheAgeS) * 1000;
    return true;
  }
}

/** A route's script, version generation, resources and faults. */
export class RouteState {
  /** What the route answers; `undefined` for the default answer. */
  script?: EsiSimRoute | LazyPagesRoute;
  /** Bumped by every change of the route's content. */
  gen = 0;
  /** The route's resources, by path, query and character. */
  resources = new Map<string, Resource>();
}

/** Everything the content layer needs to know about a call. */
export interface ContentCall {
  op: OperationMeta;
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  characterId?: number;
  now: number;
  body?: unknown;
}

/**
 * Whether a script generates its pages on demand.
 *
 * @param script The route's script.
 * @returns `true` for a built-in paged route.
 */
export function isLazy(script: EsiSimRoute | undefined): script is LazyPagesRoute {
  return script !== undefined && "pageCount" in script;
}

const PAGING_PARAMS = new Set(["page", "before", "after", "limit", "from_id"]);
const encoder = new TextEncoder();

/**
 * Serialises a value and hashes it into a strong ETag.
 *
 * @param value The JSON value.
 * @returns The bytes and the ETag.
 */
export async function prepare(value: unknown): Promise<Prepared> {
  const bytes = encoder.encode(JSON.stringify(value));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let hex = "";
  for (let i = 0; i < 16; i++) hex += digest[i].toString(16).padStart(2, "0");
  return { bytes, blob: new Blob([bytes]), etag: `"${hex}"` };
}

function evaluate<T>(value: EsiSimValue<T>, ctx: EsiSimRouteContext): Promise<T> {
  try {
    return Promise.resolve(
      typeof value === "function"
        ? (value as (ctx: EsiSimRouteContext) => T | Promise<T>)(ctx)
        : value,
    );
  } catch (err) {
    return Promise.reject(err);
  }
}

function resourceKey(call: ContentCall): string {
  const kept = [...call.query].filter(([k]) => !PAGING_PARAMS.has(k) && k !== "compatibility_date");
  kept.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${call.characterId ?? ""} ${call.path}?${new URLSearchParams(kept)}`;
}

function cached(resource: Resource, key: string, make: () => Promise<Prepared>): Promise<Prepared> {
  let prepared = resource.prepared.get(key);
  if (!prepared) {
    const made = prepared = make();
    resource.prepared.set(key, made);
    // A failed script is tried again on the next call.
    made.catch(() => resource.prepared.get(key) === made && resource.prepared.delete(key));
  }
  return prepared;
}

function data(
  resource: Resource,
  make: () => Promise<readonly unknown[]>,
): Promise<readonly unknown[]> {
  if (!resource.data) {
    const made = resource.data = make();
    made.catch(() => {
      if (resource.data === made) resource.data = undefined;
    });
  }
  return resource.data;
}

/**
 * Decides a call's answer from the route's script (or the default answer).
 *
 * @param state The route's state.
 * @param call The call.
 * @param cacheAgeS The route's cache lifetime, in seconds.
 * @returns The answer.
 */
export async function answer(
  state: RouteState,
  call: ContentCall,
  cacheAgeS: number,
): Promise<Answer> {
  try {
    return await decide(state, call, cacheAgeS);
  } catch (err) {
    if (err instanceof EsiSimError) {
      return { kind: "error", status: err.status, error: err.message };
    }
    throw err;
  }
}

async function decide(state: RouteState, call: ContentCall, cacheAgeS: number): Promise<Answer> {
  const script: EsiSimRoute = state.script ?? {};
  const lazy = isLazy(state.script) ? state.script : undefined;
  const { op } = call;
  if (call.method !== "GET" && call.method !== "HEAD") {
    const status = script.status ?? (call.method === "PUT" || call.method === "DELETE" ? 204 : 200);
    if (status === 204) return { kind: "body", status, miss: true };
    const ctx = context(call, state.gen + 1);
    return {
      kind: "body",
      status,
      prepared: await prepare(await evaluate(script.body ?? [], ctx)),
      miss: true,
    };
  }

  const key = resourceKey(call);
  let resource = state.resources.get(key);
  if (!resource) state.resources.set(key, resource = new Resource());
  const miss = resource.touch(call.now, cacheAgeS, state.gen);
  // Taken now: a turnover while this call awaits its body must not pair
  // the old body with the new version's dates.
  const version: ResourceVersion = {
    lastModified: resource.lastModified,
    windowStart: resource.windowStart,
    expires: resource.expires,
  };
  const ctx = context(call, state.gen + 1);
  const status = script.status ?? 200;
  const done = (prepared: Prepared, pages?: number, page?: number): Answer => ({
    kind: "body",
    status,
    prepared: status === 204 ? undefined : prepared,
    pages,
    page,
    version,
    miss,
  });

  const paged = lazy !== undefined || script.pages !== undefined ||
    (op.pagination === "x-pages" && script.body === undefined);
  if (paged) {
    const raw = call.query.get("page");
    const page = raw === null ? 1 : Number(raw);
    if (!Number.isInteger(page) || page < 1) {
      return {
        kind: "error",
        status: 400,
        error: `Invalid page "${raw}": must be a positive integer`,
      };
    }
    const pages = lazy
      ? undefined
      : await data(resource, () => evaluate(script.pages ?? [[]], ctx));
    const count = lazy ? lazy.pageCount(ctx) : pages!.length;
    if (page > count) {
      return { kind: "error", status: 404, error: "Requested page does not exist!" };
    }
    const prepared = await cached(
      resource,
      `p${page}`,
      () => prepare(lazy ? lazy.page(ctx, page) : pages![page - 1]),
    );
    return done(prepared, count, page);
  }

  if (op.pagination === "cursor" || (op.pagination === "from_id" && script.body === undefined)) {
    const records = await data(resource, () => evaluate(script.records ?? [], ctx));
    const slice = op.pagination === "cursor"
      ? cursorSlice(records, call.query, script.recordsKey ?? recordsKeyOf(op.path))
      : fromIdSlice(
        records,
        call.query,
        script.idField ?? "transaction_id",
        script.pageSize ?? 2500,
      );
    if ("error" in slice) return { kind: "error", status: 400, error: slice.error };
    return done(await cached(resource, `${call.query}`, () => prepare(slice.body)));
  }

  return done(
    await cached(resource, "", async () => prepare(await evaluate(script.body ?? {}, ctx))),
  );
}

function context(call: ContentCall, version: number): EsiSimRouteContext {
  return {
    route: call.op.key as OperationKey,
    params: call.params,
    query: call.query,
    characterId: call.characterId,
    version,
    now: call.now,
    body: call.body,
  };
}

// The records property of a cursor route: its last literal segment,
// `freelance-jobs` → `freelance_jobs`.
function recordsKeyOf(path: string): string {
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

type Slice = { body: unknown } | { error: string };

function cursorSlice(records: readonly unknown[], query: URLSearchParams, key: string): Slice {
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

function fromIdSlice(
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
