/**
 * What the status page costs a cache hit, in process (not a test; prints
 * figures): two gateways built as the Deno entry builds them, the same but for
 * `DASHBOARD_HISTORY` ("1 s", five times the default rate, with `/status.json`
 * asked every second as an open page does; and "off", never asked), answer `/esi/status` from the cache through `app.fetch`, in short batches
 * taken in turn so that a busy moment of a shared machine falls on both; the
 * medians of the batches are compared, and the median of each pair's ratio
 * (which a slow drift of the machine's load cancels out of). No socket: the
 * gateway's own time only, where the history's share is the largest.
 *
 *   deno run -A bench/dashboard_cost.ts            # 200 batches of 500 hits each
 *   BATCHES=20 deno run -A bench/dashboard_cost.ts
 *   ON_HISTORY=off deno run -A bench/dashboard_cost.ts   # the same on both: the noise
 *
 * @module
 */

import { EsiSimulator } from "../src/testing/mod.ts";
import { loadConfig } from "../worker/config.ts";
import { createGateway } from "../worker/gateway.ts";
import { serve } from "../src/testing/deno.ts";

const BATCHES = Number(Deno.env.get("BATCHES") ?? 200);
const PER_BATCH = Number(Deno.env.get("PER_BATCH") ?? 500);

await using sim = new EsiSimulator();
await serve(sim);
const build = (history: string) =>
  createGateway({
    config: loadConfig({
      ESI_USER_AGENT: "esikit-bench/1.0 (bench@example.com)",
      ESI_BASE_URL: sim.url,
      RATE_LIMIT: "1000000000",
      METRICS_TOKEN: "dashboard-bench-token-0123456789",
      DASHBOARD_HISTORY: history,
    }),
    logger: () => {},
  }).app;
// ON_HISTORY=off compares two equal gateways: the noise floor of the figures.
const gateways = { on: build(Deno.env.get("ON_HISTORY") ?? "1 s"), off: build("off") };
const url = "http://127.0.0.1/esi/status";
const env = { remoteAddr: { hostname: "127.0.0.1" } };

const view = new Request("http://127.0.0.1/status.json", {
  headers: { Authorization: "Bearer dashboard-bench-token-0123456789" },
});
let viewedAt = 0;

async function batch(app: (typeof gateways)["on"]): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < PER_BATCH; i++) {
    if (app === gateways.on && performance.now() - viewedAt >= 1_000) {
      viewedAt = performance.now();
      await (await app.fetch(view.clone(), env)).body?.cancel();
    }
    const res = await app.fetch(new Request(url), env);
    await res.body?.cancel();
  }
  return ((performance.now() - started) * 1000) / PER_BATCH;
}

for (let i = 0; i < 4; i++) {
  for (const app of Object.values(gateways)) await batch(app); // warm: a miss, then hits
}
const times: Record<keyof typeof gateways, number[]> = { on: [], off: [] };
for (let i = 0; i < BATCHES; i++) {
  const order: (keyof typeof gateways)[] = i % 2 ? ["on", "off"] : ["off", "on"];
  for (const name of order) times[name].push(await batch(gateways[name]));
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const on = median(times.on);
const off = median(times.off);
const paired = median(times.on.map((t, i) => times.off[i] / t));
console.log(
  `${BATCHES} batches of ${PER_BATCH} cache hits each, in process, Deno ${Deno.version.deno}: ` +
    `history on ${on.toFixed(2)} µs/hit, off ${off.toFixed(2)} µs/hit: ` +
    `on's throughput is ${((100 * off) / on).toFixed(1)}% of off's ` +
    `(median of the pairs: ${(100 * paired).toFixed(1)}%)`,
);
const status = await gateways.on.fetch(view.clone(), env);
console.log(`readings kept with history on: ${(await status.json()).series.t.length}`);
