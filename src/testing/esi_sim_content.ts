/**
 * What a simulated route answers, decided from its script (or the default
 * answer) for one call: X-Pages pages, cursor and `from_id` slices, or a
 * plain body, each served from its resource's current version. The script
 * API lives in ./esi_sim_script.ts, resource versions in
 * ./esi_sim_resource.ts; this module re-exports both.
 *
 * @module
 */

import type { OperationMeta } from "../operation_meta.ts";
import type { OperationKey } from "../spec/operations.gen.ts";
import { cursorSlice, fromIdSlice, recordsKeyOf } from "./esi_sim_cursor.ts";
import {
  type Answer,
  cached,
  data,
  prepare,
  type Prepared,
  Resource,
  type ResourceVersion,
  type RouteState,
} from "./esi_sim_resource.ts";
import {
  EsiSimError,
  type EsiSimRoute,
  type EsiSimRouteContext,
  type EsiSimValue,
  isLazy,
} from "./esi_sim_script.ts";

export {
  EsiSimError,
  type EsiSimJson,
  type EsiSimRoute,
  type EsiSimRouteContext,
  type EsiSimValue,
  isLazy,
  type LazyPagesRoute,
} from "./esi_sim_script.ts";
export {
  type Answer,
  prepare,
  type Prepared,
  Resource,
  type ResourceVersion,
  RouteState,
} from "./esi_sim_resource.ts";

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

const PAGING_PARAMS = new Set(["page", "before", "after", "limit", "from_id"]);

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
