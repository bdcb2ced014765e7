/**
 * The answer one caller gets: the body decoded for it (or raw), meta read
 * only when looked at, and an error status turned into an `EsiHttpError`.
 *
 * @module
 */

import type { EsiResponse, RequestOptions } from "../client/options.ts";
import type { CacheEntry } from "../cache/store.ts";
import { EsiHttpError, EsiResponseError } from "../errors.ts";
import { type EsiMeta, readMeta } from "../http/meta.ts";
import { redactUrl } from "../http/url.ts";
import { emit } from "../observe/hooks.ts";
import { callInfo } from "./prepare.ts";
import type { Call, Shared, Upstream } from "./types.ts";

const decoder = new TextDecoder();
const hitEntries = new WeakMap<EsiResponse<unknown>, CacheEntry>();

/** Builds one caller's answer; throws the `EsiHttpError` of a 4xx/5xx unless told not to. */
export function answer<T>(
  shared: Shared,
  call: Call,
  options: RequestOptions,
  upstream: Upstream,
  started: number,
  entry?: CacheEntry,
): EsiResponse<T> {
  const shown = redactUrl(call.url);
  // Reading a dozen headers costs more than the rest of the pipeline: only
  // callers (and hooks) that look at meta pay for it.
  let meta: EsiMeta | undefined;
  const metaOf = () =>
    meta ??= readMeta(upstream.metaHeaders ?? upstream.headers, {
      cache: upstream.cache,
      route: call.route,
      url: shown,
      attempts: upstream.attempts,
      expiresAt: upstream.expiresAt,
      bytes: upstream.body.byteLength,
    });
  if (shared.hooks.response?.length) {
    emit(shared.hooks.response, {
      ...callInfo(call),
      status: upstream.status,
      elapsedMs: shared.clock.now() - started,
      cache: upstream.cache,
      attempt: upstream.attempts,
      requestId: metaOf().requestId,
      errorLimit: metaOf().errorLimit,
      rateLimit: metaOf().rateLimit,
    });
  }
  const { status, body } = upstream;
  if (status >= 400) {
    const text = decoder.decode(body);
    if (options.throwOnError !== false) {
      const error = EsiHttpError.from({
        status,
        method: call.method,
        url: shown,
        esiMessage: errorMessage(text),
        requestId: upstream.headers.get("x-esi-request-id") ?? undefined,
        headers: upstream.headers,
        body: text,
      });
      error.attempts = upstream.attempts;
      throw error;
    }
    // Raw modes stay raw on an error answer too, as their types say.
    const data = (options.raw ? decode(shared, call, options, upstream) : safeJson(text)) as T;
    return response(() => data, upstream, metaOf);
  }
  const res = response<T>(() => decode<T>(shared, call, options, upstream), upstream, metaOf);
  if (entry) hitEntries.set(res, entry);
  return res;
}

/**
 * The stored entry a cache hit was answered from, for the gateway: it
 * prepares one response per entry instead of one per hit. The entry is shared
 * by every hit on it and must not be changed.
 *
 * @param res An answer of `EsiClient.requestUntyped`.
 * @returns The entry, or `undefined` when the answer was not a cache hit.
 * @example
 * ```ts
 * import { EsiClient } from "../client/client.ts";
 * import { storedEntryOf } from "./answer.ts";
 * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
 * const res = await esi.requestUntyped("GET", "/status");
 * storedEntryOf(res); // undefined: the first call is a miss
 * ```
 */
export function storedEntryOf(res: EsiResponse<unknown>): CacheEntry | undefined {
  return hitEntries.get(res);
}

/** The answer; its `data` is read once, when first asked for. */
function response<T>(read: () => T, upstream: Upstream, metaOf: () => EsiMeta): EsiResponse<T> {
  let data: { value: T } | undefined;
  return {
    get data() {
      return (data ??= { value: read() }).value;
    },
    set data(value: T) {
      data = { value };
    },
    status: upstream.status,
    get headers() {
      return upstream.headers;
    },
    get meta() {
      return metaOf();
    },
  };
}

function decode<T>(
  shared: Shared,
  call: Call,
  options: RequestOptions,
  upstream: Upstream,
): T {
  const { body, status } = upstream;
  // A copy, as the body may be the cached entry's (every later hit is served
  // from it), unless the client was told its raw callers never change it.
  if (options.raw === "bytes") return (shared.shareRawBytes ? body : body.slice()) as T;
  if (options.raw === "text") return decoder.decode(body) as T;
  if (call.method === "HEAD" || status === 204 || status === 304) return undefined as T;
  // The transport parsed it to check it: the first caller takes that parse.
  const parsed = upstream.parsed;
  if (parsed) {
    upstream.parsed = undefined;
    return parsed.value as T;
  }
  const text = decoder.decode(body);
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    // Only a stored entry written before bodies were checked can get here.
    const why = `the body is not valid JSON (${(error as Error).message})`;
    throw new EsiResponseError(call.method, redactUrl(call.url), status, why, { cause: error });
  }
}

function errorMessage(text: string): string | undefined {
  const parsed = safeJson(text);
  return parsed && typeof parsed === "object" && "error" in parsed
    ? String((parsed as { error: unknown }).error)
    : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text || undefined;
  }
}
