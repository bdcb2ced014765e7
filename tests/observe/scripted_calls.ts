// A scripted run of ESI calls as the client reports them through hooks, event by event and in
// the client's order, so metrics and tracing can be checked against exact expectations.
import { EsiHttpError, EsiTimeoutError } from "../../src/errors.ts";
import { type CallInfo, emit, type Hooks } from "../../src/observe/hooks.ts";

export const SECRET = "s3cr3t-REFRESH-and-ACCESS-token";
export const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJDSEFSQUNURVI6RVZFOjEyMyJ9.c2lnbmF0dXJl";

const base = "https://esi.evetech.net";

export interface ScriptOptions {
  /** Send `callId` on every event, as a client that has it does. */
  callIds?: boolean;
  /** Collects the headers hooks add through `setHeader`, per call and try. */
  headers?: Map<string, Record<string, string>>;
}

/** Feeds a fixed run of calls to the hooks; returns the names of the calls in order. */
export function runScript(hooks: Hooks, options: ScriptOptions = {}): string[] {
  let nextId = 1;
  const names: string[] = [];
  const call = (name: string, method: string, route: string, url: string): CallInfo => {
    names.push(name);
    const info: CallInfo = { method, route, url: base + url };
    if (options.callIds) info.callId = nextId++;
    return info;
  };
  const request = (name: string, c: CallInfo, attempt: number) => {
    const added: Record<string, string> = {};
    options.headers?.set(`${name}#${attempt}`, added);
    emit(hooks.request, {
      ...c,
      attempt,
      setHeader: (k: string, v: string) => {
        added[k.toLowerCase()] ??= v;
      },
    });
  };

  // 1. A cache hit.
  const hit = call("hit", "GET", "/status", "/status");
  emit(hooks.cache, { ...hit, outcome: "hit" });
  emit(hooks.response, { ...hit, status: 200, elapsedMs: 2, cache: "hit", attempt: 0 });

  // 2. A miss, with both limits reported.
  const miss = call("miss", "GET", "/markets/{region_id}/orders", "/markets/10000002/orders");
  request("miss", miss, 1);
  emit(hooks.cache, { ...miss, outcome: "miss" });
  emit(hooks.response, {
    ...miss,
    status: 200,
    elapsedMs: 120,
    cache: "miss",
    attempt: 1,
    requestId: "req-miss",
    errorLimit: { remain: 99, reset: 30 },
    rateLimit: { group: "market-order", limit: "12000/15m", remaining: 11998, used: 2 },
  });

  // 3. A revalidation (304 merged with the stored body), after a wait on the rate limit.
  const reval = call(
    "revalidated",
    "GET",
    "/markets/{region_id}/orders",
    "/markets/10000002/orders",
  );
  emit(hooks.limitWait, { ...reval, limit: "rate-limit", group: "market-order", waitMs: 250 });
  request("revalidated", reval, 1);
  emit(hooks.cache, { ...reval, outcome: "revalidated" });
  emit(hooks.response, {
    ...reval,
    status: 200,
    elapsedMs: 40,
    cache: "revalidated",
    attempt: 1,
    rateLimit: { group: "market-order", limit: "12000/15m", remaining: 11997, used: 3 },
  });

  // 4. A 503 retried once, then a 200; the URL carried a token before the client redacted it.
  const retried = call(
    "retried",
    "GET",
    "/characters/{character_id}/assets",
    "/characters/2112625428/assets?token=<redacted>",
  );
  emit(hooks.limitWait, { ...retried, limit: "concurrency", waitMs: 50 });
  request("retried", retried, 1);
  emit(hooks.retry, { ...retried, attempt: 1, delayMs: 1000, reason: "503" });
  request("retried", retried, 2);
  emit(hooks.cache, { ...retried, outcome: "miss" });
  emit(hooks.response, {
    ...retried,
    status: 200,
    elapsedMs: 1300,
    cache: "miss",
    attempt: 2,
    errorLimit: { remain: 98, reset: 20 },
    rateLimit: { group: "char-asset", limit: "1800/15m", remaining: 1790, used: 10 },
  });

  // 5. A 404: the response, then the error thrown to the caller.
  const missing = call("404", "GET", "/universe/types/{type_id}", "/universe/types/999999999");
  request("404", missing, 1);
  emit(hooks.cache, { ...missing, outcome: "miss" });
  emit(hooks.response, {
    ...missing,
    status: 404,
    elapsedMs: 80,
    cache: "miss",
    attempt: 1,
    requestId: "req-404",
    errorLimit: { remain: 97, reset: 19 },
  });
  emit(hooks.error, {
    ...missing,
    attempt: 0,
    error: EsiHttpError.from({
      status: 404,
      method: "GET",
      url: missing.url,
      esiMessage: "Type not found",
      requestId: "req-404",
    }),
  });

  // 6. A POST that times out twice: no response, only the error; its message names a secret.
  const timeout = call("timeout", "POST", "/universe/names", "/universe/names");
  request("timeout", timeout, 1);
  emit(hooks.retry, { ...timeout, attempt: 1, delayMs: 500, reason: "ERR_TIMEOUT" });
  request("timeout", timeout, 2);
  const failure = new EsiTimeoutError("POST", timeout.url, 30_000);
  failure.message += ` (Authorization: Bearer ${JWT}, refresh_token=${SECRET})`;
  emit(hooks.error, { ...timeout, attempt: 0, error: failure });

  // 7. A path the spec does not know, with a raw id in it.
  const untyped = call(
    "untyped",
    "GET",
    "/characters/2112625428/new_thing",
    "/characters/2112625428/new_thing",
  );
  request("untyped", untyped, 1);
  emit(hooks.response, { ...untyped, status: 200, elapsedMs: 10, cache: "miss", attempt: 1 });

  // Token refreshes and a store failure, outside any call.
  emit(hooks.tokenRefresh, { characterId: 2112625428, outcome: "success" });
  emit(hooks.tokenRefresh, { characterId: 2112625428, outcome: "success" });
  emit(hooks.tokenRefresh, { characterId: 2112625428, outcome: "failure" });
  emit(hooks.storeError, {
    store: "UpstashCache",
    operation: "get",
    error: new Error(`ECONNRESET while reading key with token ${SECRET}`),
  });
  return names;
}
