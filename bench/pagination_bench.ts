/**
 * X-Pages pagination at full speed: 100 pages of 1,000 market orders (about
 * 228 KiB of JSON a page), 50 ms of latency per request, 20 requests in flight. The ESI simulator runs in a
 * process of its own on 127.0.0.1 (real clock), its market-order group
 * unlimited so that ESI's limits do not take part.
 *
 * The ideal is `(1 + ceil(99 / 20)) × 50 ms = 300 ms` (page 1, then five
 * rounds of 20); the bar is 1.25× that, 375 ms. Raw fetch doing the same work
 * (page 1, then the other pages 20 at a time, JSON-parsed) is the baseline,
 * in two shapes: rounds of 20 (`Promise.all`), and 20 workers that each take
 * the next page as soon as theirs is done. A summary against the ideal and
 * the bar is printed at the end.
 *
 *   deno bench -A bench/pagination_bench.ts
 *
 * @module
 */
import { EsiClient, VERSION } from "../mod.ts";
import { startSimulatorProcess } from "./support/simulator.ts";

const PAGES = 100;
const ORDERS_PER_PAGE = 1000;
const LATENCY_MS = 50;
const CONCURRENCY = 20;
const N = 10;
const WARMUP = 2;
const IDEAL_MS = (1 + Math.ceil((PAGES - 1) / CONCURRENCY)) * LATENCY_MS;
const BAR_MS = 1.25 * IDEAL_MS;

const sim = await startSimulatorProcess({
  latencyMs: LATENCY_MS,
  data: { marketPages: PAGES, ordersPerPage: ORDERS_PER_PAGE },
  rateLimits: { "market-order": { maxTokens: 1e12, windowMs: 900_000 } },
});
globalThis.addEventListener("unload", () => void sim.stop());

const region = 10000002;
const params = { path: { region_id: region }, query: { order_type: "all" as const } };
// No cache: every iteration fetches (and parses) every page.
const esi = new EsiClient({
  userAgent: "bench/1.0",
  baseUrl: sim.url,
  concurrency: CONCURRENCY,
  cache: false,
});

// What any ESI caller sends: the same headers as the client's.
const headers = {
  "Accept": "application/json",
  "Accept-Language": "en",
  "User-Agent": `bench/1.0 esikit/${VERSION}`,
  "X-Compatibility-Date": "2026-07-17",
  "X-Tenant": "tranquility",
};
const pageUrl = (page: number) => `${sim.url}/markets/${region}/orders?order_type=all&page=${page}`;

interface Order {
  order_id: number;
  price: number;
}

async function rawPage(page: number): Promise<{ orders: Order[]; pages: number }> {
  const res = await fetch(pageUrl(page), { headers });
  if (!res.ok) throw new Error(`page ${page}: HTTP ${res.status}`);
  const pages = Number(res.headers.get("x-pages"));
  return { orders: await res.json(), pages };
}

/** Raw fetch: page 1, then the others in rounds of 20. */
async function rawRounds(): Promise<Order[]> {
  const first = await rawPage(1);
  const out = [...first.orders];
  for (let from = 2; from <= first.pages; from += CONCURRENCY) {
    const count = Math.min(CONCURRENCY, first.pages - from + 1);
    const round = await Promise.all(Array.from({ length: count }, (_, i) => rawPage(from + i)));
    for (const page of round) for (const order of page.orders) out.push(order);
  }
  return out;
}

/** Raw fetch: page 1, then 20 workers, each taking the next page when theirs is done. */
async function rawWorkers(): Promise<Order[]> {
  const first = await rawPage(1);
  const pages: Order[][] = [first.orders];
  let next = 2;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next <= first.pages) {
        const page = next++;
        pages[page - 1] = (await rawPage(page)).orders;
      }
    }),
  );
  const out: Order[] = [];
  for (const page of pages) for (const order of page) out.push(order);
  return out;
}

// The simulator builds each page's body on first request: build them all now.
if ((await rawRounds()).length !== PAGES * ORDERS_PER_PAGE) {
  throw new Error("The simulator did not serve every order");
}

const timings = new Map<string, number[]>();

function bench(name: string, baseline: boolean, run: () => Promise<number>): void {
  const times: number[] = [];
  timings.set(name, times);
  Deno.bench({
    name,
    group: "100 pages × 1,000 orders, 50 ms latency, 20 in flight",
    baseline,
    n: N,
    warmup: WARMUP,
    async fn(b) {
      b.start();
      const started = performance.now();
      const count = await run();
      times.push(performance.now() - started);
      b.end();
      if (count !== PAGES * ORDERS_PER_PAGE) throw new Error(`${name}: ${count} orders`);
    },
  });
}

bench("raw fetch, rounds of 20", true, async () => (await rawRounds()).length);
bench("raw fetch, 20 workers", false, async () => (await rawWorkers()).length);
bench(
  "EsiClient all()",
  false,
  async () => (await esi.all("/markets/{region_id}/orders", params)).length,
);
bench("EsiClient pages(), summing prices", false, async () => {
  let count = 0;
  let sum = 0;
  for await (const page of esi.pages("/markets/{region_id}/orders", params)) {
    for (const order of page.data) sum += order.price;
    count += page.data.length;
  }
  if (!(sum > 0)) throw new Error("no prices");
  return count;
});

function cpuModel(): string {
  try {
    const line = Deno.readTextFileSync("/proc/cpuinfo").split("\n").find((l) =>
      l.startsWith("model name")
    );
    return line?.split(":")[1]?.trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

const loadBefore = Deno.loadavg();
globalThis.addEventListener("unload", () => {
  const ms = (t: number) => `${t.toFixed(0)} ms`.padStart(7);
  console.log(
    `\nIdeal (1 + ceil(${PAGES - 1} / ${CONCURRENCY})) × ${LATENCY_MS} ms = ${IDEAL_MS} ms;` +
      ` bar 1.25× = ${BAR_MS} ms. Each call's wall time, the first ${WARMUP} left out:`,
  );
  for (const [name, all] of timings) {
    const times = all.slice(WARMUP); // Deno's own warm-up calls come first
    if (times.length === 0) continue;
    const sorted = [...times].sort((a, b) => a - b);
    const avg = times.reduce((a, b) => a + b, 0) / times.length;
    const median = sorted[Math.floor(sorted.length / 2)];
    const verdict = avg <= BAR_MS ? "within the bar" : "over the bar";
    console.log(
      `  ${name.padEnd(36)} n ${times.length}  min ${ms(sorted[0])}  avg ${ms(avg)}` +
        `  median ${ms(median)}  max ${ms(sorted.at(-1)!)}  avg/ideal ${
          (avg / IDEAL_MS).toFixed(2)
        }×  ${verdict}`,
    );
  }
  console.log(
    `  ${navigator.hardwareConcurrency} CPUs (${cpuModel()}), Deno ${Deno.version.deno},` +
      ` load average ${loadBefore[0].toFixed(2)} before, ${Deno.loadavg()[0].toFixed(2)} after`,
  );
});
