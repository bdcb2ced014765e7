/**
 * EsiClient against raw fetch on the same local server (the ESI simulator on
 * 127.0.0.1, in a process of its own, as ESI is): the network path, where the
 * client adds its pipeline to every call, and the memory-cache hit path.
 *
 *   npx -y deno@2 bench -A bench/client_bench.ts
 */
import { EsiClient, MemoryCache, VERSION } from "../mod.ts";
import { startSimulatorProcess } from "./support/simulator.ts";

// Unlimited groups: the benchmark measures speed, not ESI's limits (which the client honours,
// and would otherwise make it wait out /status's 600 tokens per 15 minutes).
const sim = await startSimulatorProcess({
  rateLimits: {
    status: { maxTokens: 1e12, windowMs: 900_000 },
    "market-order": { maxTokens: 1e12, windowMs: 900_000 },
  },
});
// What any ESI caller sends: the same headers as the client's.
const headers = {
  "Accept": "application/json",
  "Accept-Language": "en",
  "User-Agent": `bench/1.0 esikit/${VERSION}`,
  "X-Compatibility-Date": "2026-07-17",
  "X-Tenant": "tranquility",
};
const statusUrl = `${sim.url}/status`;
const network = new EsiClient({ userAgent: "bench/1.0", baseUrl: sim.url, cache: false });
const untimed = network.withTimeout(0);
const cached = new EsiClient({
  userAgent: "bench/1.0",
  baseUrl: sim.url,
  cache: new MemoryCache(),
});
await cached.get("/status");

Deno.bench("raw fetch GET /status", { group: "network", baseline: true }, async () => {
  const res = await fetch(statusUrl, { headers });
  await res.json();
});

Deno.bench("EsiClient GET /status (no cache)", { group: "network" }, async () => {
  await network.get("/status");
});

Deno.bench("EsiClient GET /status (no cache, no timeout)", { group: "network" }, async () => {
  await untimed.get("/status");
});

Deno.bench("EsiClient GET /status (memory cache hit)", { group: "hit" }, async () => {
  await cached.get("/status");
});

Deno.bench("EsiClient GET /markets/{region_id}/orders page (memory cache hit, 1000 orders)", {
  group: "hit",
}, async () => {
  await cached.get("/markets/{region_id}/orders", {
    path: { region_id: 10000002 },
    query: { order_type: "all" },
  });
});

globalThis.addEventListener("unload", () => void sim.stop());
