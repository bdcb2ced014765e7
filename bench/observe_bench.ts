// What observability costs per ESI call: the hooks alone (one call's events: request, cache,
// response), and whole client calls against a stub fetch (cache hits and upstream misses).
// The claim under test: EsiTracing without a tracer provider costs nothing measurable.
//
//   deno bench -A bench/observe_bench.ts
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { EsiClient } from "../src/client/client.ts";
import { MemoryCache } from "../src/cache/memory.ts";
import { emit, type Hooks } from "../src/observe/hooks.ts";
import { EsiMetrics } from "../src/observe/metrics.ts";
import { EsiTracing } from "../src/observe/otel.ts";

// Recording spans, exported nowhere: the adapter's own work with tracing on.
const recording = new BasicTracerProvider({ spanProcessors: [] });

const variants: [string, () => Hooks | undefined][] = [
  ["no hooks", () => undefined],
  ["EsiTracing, no provider", () => new EsiTracing().hooks()],
  ["EsiMetrics", () => new EsiMetrics().hooks()],
  ["EsiTracing, recording", () => new EsiTracing({ tracerProvider: recording }).hooks()],
];

let callId = 0;
function oneCall(hooks: Hooks): void {
  const info = {
    method: "GET",
    route: "/markets/{region_id}/orders",
    url: "https://esi.evetech.net/markets/10000002/orders?order_type=all&page=1",
    callId: ++callId,
  };
  emit(hooks.request, { ...info, attempt: 1, setHeader: () => {} });
  emit(hooks.cache, { ...info, outcome: "miss" });
  emit(hooks.response, {
    ...info,
    status: 200,
    elapsedMs: 42,
    cache: "miss",
    attempt: 1,
    errorLimit: { remain: 100, reset: 60 },
    rateLimit: { group: "market-order", limit: "12000/15m", remaining: 11000, used: 1000 },
  });
}

for (const [name, make] of variants) {
  const hooks = make() ?? {};
  Deno.bench({
    name: `hooks: ${name}`,
    group: "hooks of one call",
    baseline: name === "no hooks",
    fn: () => oneCall(hooks),
  });
}

// A route without a rate-limit group: the client's own group accounting would make a long
// bench wait for the window (that is the limiter working, not a cost of observability).
const path = "/universe/types/{type_id}";
const params = { path: { type_id: 34 } };
const body = JSON.stringify({ type_id: 34, name: "Tritanium", published: true });
const stubFetch: typeof fetch = () =>
  Promise.resolve(
    new Response(body, {
      headers: {
        "content-type": "application/json",
        "cache-control": "public, max-age=30",
        "etag": '"abc"',
        "x-esi-error-limit-remain": "100",
        "x-esi-error-limit-reset": "60",
      },
    }),
  );

for (const [name, make] of variants) {
  const hooks = make();
  const hitClient = new EsiClient({
    userAgent: "bench/1.0",
    fetch: stubFetch,
    cache: new MemoryCache(),
    hooks,
  });
  await hitClient.request("GET", path, params); // warm: later calls are hits
  Deno.bench({
    name: `client cache hit: ${name}`,
    group: "client call, cache hit",
    baseline: name === "no hooks",
    fn: async () => {
      await hitClient.request("GET", path, params);
    },
  });
  const missClient = new EsiClient({
    userAgent: "bench/1.0",
    fetch: stubFetch,
    cache: false,
    hooks,
  });
  Deno.bench({
    name: `client upstream: ${name}`,
    group: "client call, upstream (stub fetch)",
    baseline: name === "no hooks",
    fn: async () => {
      await missClient.request("GET", path, params);
    },
  });
}
