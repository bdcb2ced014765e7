/**
 * The request pipeline, top to bottom:
 *
 * prepare → cache lookup (fresh? answer) → coalesce identical calls →
 * [ admit (limits, after the gate) → send (deadline, size cap, checks) →
 *   decide ] until an answer or a failure → store (only what was checked) →
 * answer.
 *
 * Each stage is a file of this folder; this one only strings them together.
 *
 * @module
 */

import type { EsiResponse, RequestOptions } from "../client/options.ts";
import type { CacheEntry } from "../cache/store.ts";
import { cacheKey } from "../cache/key.ts";
import { EsiAbortError, EsiCircuitOpenError, EsiError } from "../errors.ts";
import { authorizeCall, type CallAuth } from "../http/auth.ts";
import { assertValidHeaders, isManagedHeader } from "../http/headers.ts";
import { redactUrl } from "../http/url.ts";
import type { LimitSubject } from "../limits/limits.ts";
import { emit } from "../observe/hooks.ts";
import { signatureHeaders } from "../signing/sign.ts";
import { admit } from "./admit.ts";
import { answer } from "./answer.ts";
import { fromEntry, isFresh, lookup, staleOnError } from "./cache_step.ts";
import { decide } from "./decide.ts";
import { callInfo, prepare } from "./prepare.ts";
import { revalidated, store } from "./store.ts";
import { type Outcome, send } from "./transport.ts";
import type { Call, Config, Shared, Upstream } from "./types.ts";

/** Runs one call through the pipeline. */
export async function run<T>(
  shared: Shared,
  config: Config,
  method: string,
  path: string,
  options: RequestOptions,
): Promise<EsiResponse<T>> {
  const started = shared.clock.now();
  const call = prepare(shared, config, method, path, options);
  try {
    // A route of the spec that needs no scope carries no token: nothing to await.
    const auth = call.operation?.scopes.length === 0
      ? undefined
      : await authorizeCall(call, options.token ?? config.token, call.signal);
    const key = call.cacheable
      ? cacheKey(call.method, call.url, config, auth?.identityKey ?? "")
      : undefined;
    const stored = key ? await lookup(shared, key, call.scan) : undefined;
    if (stored && options.cache !== "no-cache" && isFresh(shared, stored)) {
      emitCache(shared, call, "hit");
      return answer<T>(shared, call, options, fromEntry(stored, "hit", 0), started, stored);
    }
    const upstream = key
      ? await shared.flights.run(
        key,
        (signal) => exchange(shared, config, { ...call, signal }, auth, key, stored),
        options.signal,
      )
      : await exchange(shared, config, call, auth, undefined, undefined);
    if (key) emitCache(shared, call, upstream.cache);
    return answer<T>(shared, call, options, upstream, started);
  } catch (error) {
    const failure = error instanceof EsiError || !call.signal?.aborted
      ? error
      : new EsiAbortError(call.method, redactUrl(call.url), error);
    emit(shared.hooks.error, {
      ...callInfo(call),
      error: failure instanceof Error ? failure : new Error(String(failure)),
      attempt: failure instanceof EsiError ? failure.attempts : 0,
    });
    throw failure;
  }
}

/** One upstream exchange with its retries: what coalesced callers share. */
async function exchange(
  shared: Shared,
  config: Config,
  call: Call,
  auth: CallAuth | undefined,
  key: string | undefined,
  stored: CacheEntry | undefined,
): Promise<Upstream> {
  const { hooks, limits, clock } = shared;
  const subject: LimitSubject = {
    ...callInfo(call),
    rateLimit: call.operation?.rateLimit,
    identity: auth?.bucketIdentity ?? "app",
  };
  let refreshedToken = false;
  let limitRetries = 0;
  for (let attempt = 1;; attempt++) {
    const headers = tryHeaders(call, stored);
    if (auth) headers["Authorization"] = `Bearer ${await auth.accessToken(call.signal)}`;
    let outcome: Outcome | undefined;
    try {
      const { permit, release } = await admit(shared, call, subject);
      try {
        if (shared.gateway) await sign(shared, call, headers);
        if (hooks.request?.length) {
          emit(hooks.request, { ...callInfo(call), attempt, setHeader: headerSetter(headers) });
        }
        outcome = await send(shared, call, headers);
      } finally {
        // Nothing reached ESI when signing or a hook threw: the permit goes back empty.
        const response = outcome?.response;
        const failed = outcome !== undefined && "failure" in outcome && outcome.transient;
        try {
          permit.settle(response?.status ?? 0, response?.headers, failed);
        } finally {
          release();
        }
      }
    } catch (error) {
      if (error instanceof EsiError) error.attempts = attempt - 1;
      const stale = error instanceof EsiCircuitOpenError && staleOnError(shared, stored);
      if (stale) return { ...stale, attempts: attempt - 1 };
      throw error;
    }
    const decision = decide(outcome!, {
      attempt,
      policy: config.retry,
      limitsPolicy: limits.policy,
      limitRetries,
      canRefresh: !!auth?.canRefresh && !refreshedToken,
      hasStored: stored !== undefined && key !== undefined,
      method: call.method,
      now: clock.now(),
    });
    switch (decision.action) {
      case "retry":
        if (decision.limit) limitRetries++;
        await backoff(shared, call, attempt, decision.delayMs, decision.reason);
        continue;
      case "refresh-token":
        refreshedToken = true; // an expired token: refresh once, try once more
        auth!.forceRefresh();
        continue;
      case "merge-304": {
        const { headers } = outcome!.response!;
        return await revalidated(shared, key!, stored!, headers, attempt, call.scan);
      }
      case "fail": {
        const stale = decision.error.code !== "ERR_ABORTED" && staleOnError(shared, stored);
        if (stale) return { ...stale, attempts: attempt };
        decision.error.attempts = attempt;
        throw decision.error;
      }
      case "answer": {
        const stale = decision.preferStale && staleOnError(shared, stored);
        if (stale) return { ...stale, attempts: attempt };
        const { response, body, parsed } = outcome as Extract<Outcome, { response: Response }>;
        // The checks' parse is kept for a caller that decodes; a raw one (the
        // gateway) would only hold the tree alive as long as the bytes.
        const upstream: Upstream = {
          status: response.status,
          headers: response.headers,
          body,
          cache: "miss",
          attempts: attempt,
          parsed: call.raw ? undefined : parsed,
        };
        if (key && response.status === 200) await store(shared, key, upstream, call.scan);
        return upstream;
      }
    }
  }
}

/** The headers of one try: the call's, and the validators of a stored entry. */
function tryHeaders(call: Call, stored: CacheEntry | undefined): Record<string, string> {
  const headers = { ...call.headers };
  if (stored?.headers.etag) headers["If-None-Match"] = stored.headers.etag;
  if (stored?.headers["last-modified"]) {
    headers["If-Modified-Since"] = stored.headers["last-modified"];
  }
  return headers;
}

/** Signs a try for the gateway; each try gets its own timestamp and nonce. */
async function sign(shared: Shared, call: Call, headers: Record<string, string>): Promise<void> {
  const { apiKey, key } = shared.gateway!;
  Object.assign(
    headers,
    await signatureHeaders(
      { method: call.method, url: call.url, body: call.body },
      { apiKey, apiSecret: await key },
      shared.clock.now(),
    ),
  );
}

async function backoff(
  shared: Shared,
  call: Call,
  attempt: number,
  delayMs: number,
  reason: string,
): Promise<void> {
  emit(shared.hooks.retry, { ...callInfo(call), attempt, delayMs, reason });
  if (delayMs <= 0) return;
  try {
    await shared.clock.sleep(delayMs, call.signal);
  } catch (reason) {
    throw new EsiAbortError(call.method, redactUrl(call.url), reason);
  }
}

function emitCache(shared: Shared, call: Call, outcome: Upstream["cache"]): void {
  if (shared.hooks.cache?.length) emit(shared.hooks.cache, { ...callInfo(call), outcome });
}

/**
 * Lets a request hook add a header (a trace context, say) without overriding
 * the client's, nor adding one the client manages (which keys its cache).
 */
function headerSetter(headers: Record<string, string>): (name: string, value: string) => void {
  return (name, value) => {
    const lower = name.toLowerCase();
    if (isManagedHeader(lower)) return;
    if (Object.keys(headers).some((existing) => existing.toLowerCase() === lower)) return;
    assertValidHeaders({ [name]: value });
    headers[name] = value;
  };
}
