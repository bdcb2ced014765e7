/**
 * One HTTP exchange with the SSO: injected `fetch`, a timeout measured on the
 * injected clock, the caller's abort signal, and the body read whole before
 * the timer stops (a stalled body is a timeout too).
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import { EsiAbortError, EsiNetworkError, EsiTimeoutError } from "../errors.ts";

/** How to reach the SSO. */
export interface SsoHttp {
  /** The fetch to use. */
  fetch: typeof fetch;
  /** The clock the timeout is measured on. */
  clock: Clock;
  /** How long one exchange may take, body included, in milliseconds (0: no limit). */
  timeoutMs: number;
  /** The `User-Agent` to send, when set. */
  userAgent?: string;
}

/**
 * The way to reach the SSO, from the options every SSO component takes.
 *
 * @param options The injected fetch, the timeout and the user agent.
 * @param clock The clock the timeout is measured on.
 * @returns The HTTP settings.
 * @example
 * ```ts
 * import { ssoHttp } from "./request.ts";
 * import { systemClock } from "../clock.ts";
 * ssoHttp({}, systemClock).timeoutMs; // 10000
 * ```
 */
export function ssoHttp(
  options: { fetch?: typeof fetch; timeoutMs?: number; userAgent?: string },
  clock: Clock,
): SsoHttp {
  return {
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    clock,
    timeoutMs: options.timeoutMs ?? 10_000,
    userAgent: options.userAgent,
  };
}

/** An SSO answer, its body read. */
export interface SsoAnswer {
  /** The HTTP status. */
  status: number;
  /** The response headers. */
  headers: Headers;
  /** The body as text. */
  text: string;
}

/** What to send. */
export interface SsoRequestInit {
  /** The HTTP method. */
  method: "GET" | "POST";
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** A form body. */
  body?: URLSearchParams;
  /** Gives up the exchange. */
  signal?: AbortSignal;
}

/**
 * Sends one request to the SSO and reads the answer whole.
 *
 * @param http How to reach the SSO.
 * @param url The URL; it never holds a secret (they travel in form bodies).
 * @param init The method, headers, body and signal.
 * @returns The answer, whatever its status.
 * @throws {EsiTimeoutError} No whole answer within `http.timeoutMs`.
 * @throws {EsiAbortError} The caller's signal aborted.
 * @throws {EsiNetworkError} The connection failed.
 * @example
 * ```ts ignore
 * const answer = await ssoRequest(
 *   { fetch, clock: systemClock, timeoutMs: 10_000 },
 *   "https://login.eveonline.com/oauth/jwks",
 *   { method: "GET" },
 * );
 * ```
 */
export async function ssoRequest(
  http: SsoHttp,
  url: string,
  init: SsoRequestInit,
): Promise<SsoAnswer> {
  const { method, signal } = init;
  if (signal?.aborted) throw new EsiAbortError(method, url, signal.reason);
  const headers = new Headers({ accept: "application/json", ...init.headers });
  if (http.userAgent) headers.set("user-agent", http.userAgent);
  if (init.body) headers.set("content-type", "application/x-www-form-urlencoded");

  const timeout = new AbortController();
  const stopTimer = new AbortController();
  let timedOut = false;
  if (http.timeoutMs > 0) {
    http.clock.sleep(http.timeoutMs, stopTimer.signal).then(() => {
      timedOut = true;
      timeout.abort();
    }, () => {/* the exchange ended first */});
  }
  try {
    const response = await http.fetch(url, {
      method,
      headers,
      body: init.body,
      redirect: "manual",
      signal: signal ? AbortSignal.any([timeout.signal, signal]) : timeout.signal,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text };
  } catch (cause) {
    if (timedOut) throw new EsiTimeoutError(method, url, http.timeoutMs);
    if (signal?.aborted) throw new EsiAbortError(method, url, signal.reason);
    throw new EsiNetworkError(method, url, cause);
  } finally {
    stopTimer.abort();
  }
}

/**
 * Parses a JSON body into a plain object, or returns `undefined`.
 *
 * @param text The body.
 * @returns The object, or `undefined` when the body is not a JSON object.
 * @example
 * ```ts ignore
 * parseJsonObject('{"a":1}'); // { a: 1 }
 * parseJsonObject("[1]"); // undefined
 * ```
 */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // Not JSON: the caller reports it.
  }
  return undefined;
}
