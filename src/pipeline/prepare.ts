/**
 * Prepare: everything about a call that can be known, and refused, before
 * any I/O — the route and its operation, the parameters against the spec,
 * the URL, the headers.
 *
 * @module
 */

import type { RequestOptions } from "../client/options.ts";
import { EsiRequestError } from "../errors.ts";
import { assertExtraHeaders } from "../http/headers.ts";
import { matchRoute } from "../http/match.ts";
import { type OperationMeta, resolveOperation } from "../http/operation.ts";
import { buildQuery, fillPath, redactUrl } from "../http/url.ts";
import { validateParams } from "../http/validate.ts";
import type { CallInfo } from "../observe/hooks.ts";
import type { Call, Config, Shared } from "./types.ts";

let lastCallId = 0;

/**
 * Prepares a call.
 *
 * @throws {EsiRequestError} When the call is invalid: nothing is sent.
 */
export function prepare(
  shared: Shared,
  config: Config,
  method: string,
  path: string,
  options: RequestOptions,
): Call {
  if (/[?#]/.test(path)) {
    // The route names the call in hooks and errors: a query there could carry a secret.
    throw new EsiRequestError(
      `Cannot ${method} "${redactUrl(path)}": give the query as "query", not in the path`,
    );
  }
  const { operation, params } = operationOf(method, path, options.path);
  if (operation) validateParams(operation, { ...options, path: params });
  const route = operation?.path ?? path;
  if (!route.startsWith("/")) {
    throw new EsiRequestError(`Cannot ${method} "${route}": the path must start with "/"`);
  }
  const url = shared.baseUrl + fillPath(route, params) + buildQuery(options.query);
  const headers: Record<string, string> = {
    "Accept": "application/json",
    "Accept-Language": config.language,
    "User-Agent": shared.userAgent,
    "X-Compatibility-Date": config.compatibilityDate,
    "X-Tenant": config.tenant,
    ...config.headers,
  };
  if (options.headers) {
    assertExtraHeaders(options.headers);
    Object.assign(headers, options.headers);
  }
  // The caller's own validators: its 304 is its business, and the cache stays out.
  const validators = options.ifNoneMatch !== undefined || options.ifModifiedSince !== undefined;
  if (options.ifNoneMatch !== undefined) headers["If-None-Match"] = options.ifNoneMatch;
  if (options.ifModifiedSince !== undefined) {
    headers["If-Modified-Since"] = options.ifModifiedSince;
  }
  let body: string | undefined;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["Content-Type"] = "application/json";
  }
  return {
    callId: ++lastCallId,
    method,
    route,
    url,
    operation,
    headers,
    body,
    cacheable: method === "GET" && !!shared.cache && !validators,
    timeoutMs: options.timeoutMs ?? config.timeoutMs,
    signal: options.signal,
    hooks: options.hooks,
    raw: options.raw !== undefined,
    scan: options.scan,
  };
}

/** What hooks and errors may say of a call: its query's secrets redacted. */
export function callInfo(call: Call): CallInfo {
  return { method: call.method, route: call.route, url: redactUrl(call.url), callId: call.callId };
}

/**
 * The operation of a call, by template or, for a concrete path like
 * `/characters/1/notifications`, by matching it to the spec: either way the
 * call gets the route's checks, rate-limit group and template.
 */
function operationOf(
  method: string,
  path: string,
  params: RequestOptions["path"],
): { operation?: OperationMeta; params: RequestOptions["path"] } {
  const operation = resolveOperation(method, path);
  if (operation || path.includes("{") || (params && Object.keys(params).length)) {
    return { operation, params };
  }
  const found = matchRoute(method, path);
  if (!found) return { params };
  if ("allowed" in found) {
    throw new EsiRequestError(
      `Cannot ${method} "${path}": the route only allows ${
        found.allowed.map((m) => `"${m}"`).join(", ")
      }`,
    );
  }
  return { operation: found.operation, params: found.params };
}
