/**
 * Peak memory of streaming an X-Pages resource through `pages()` against
 * holding all of it with `all()`: 300 pages of 1,000 market orders from the
 * ESI simulator (in a process of its own, on 127.0.0.1, 2 ms of latency).
 * Each mode runs in a fresh child process, so that no heap is shared, and
 * samples `Deno.memoryUsage()` every 5 ms and after each page; the streaming
 * consumer sums the prices and drops each page. A forced GC measures the
 * live heap: once `all()` has returned (after its peak), and half way through
 * the stream in a third process per run (a GC mid-stream would lower the
 * streaming peak). Prints a table.
 *
 *   deno task bench:memory
 *   deno run -A --v8-flags=--expose-gc bench/pages_memory.ts
 *
 * @module
 */
import { EsiClient } from "../mod.ts";
import { startSimulatorProcess } from "./support/simulator.ts";

const PAGES = 300;
const ORDERS_PER_PAGE = 1000;
const LATENCY_MS = 2;
const CONCURRENCY = 20;
const RUNS = 3;
const SAMPLE_MS = 5;
const CHILD_TIMEOUT_MS = 30_000;
const MiB = 1024 * 1024;

type Mode = "pages" | "pages-cached" | "all";

interface Result {
  mode: Mode;
  orders: number;
  priceSum: number;
  wallMs: number;
  startRss: number;
  peakRss: number;
  startHeap: number;
  peakHeap: number;
  peakExternal: number;
  /** Heap used right after a forced GC: mid-stream for pages(), holding the result for all(). */
  liveHeap: number;
}

const params = { path: { region_id: 10000002 }, query: { order_type: "all" as const } };

/** One mode in this process: prints its result as one line of JSON. */
async function child(mode: Mode, baseUrl: string, measureLive: boolean): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("Run with --v8-flags=--expose-gc");
  const esi = new EsiClient({
    userAgent: "bench/1.0",
    baseUrl,
    concurrency: CONCURRENCY,
    // "pages-cached" streams through the default MemoryCache, as a user would.
    ...(mode === "pages-cached" ? {} : { cache: false }),
  });
  gc();
  const start = Deno.memoryUsage();
  let peakRss = start.rss;
  let peakHeap = start.heapUsed;
  let peakExternal = start.external;
  const sample = () => {
    const m = Deno.memoryUsage();
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
    if (m.external > peakExternal) peakExternal = m.external;
  };
  const timer = setInterval(sample, SAMPLE_MS);
  const started = performance.now();
  let orders = 0;
  let priceSum = 0;
  let liveHeap = 0;
  const live = () => {
    gc();
    liveHeap = Deno.memoryUsage().heapUsed;
  };
  try {
    if (mode !== "all") {
      for await (const page of esi.pages("/markets/{region_id}/orders", params)) {
        for (const order of page.data) priceSum += order.price;
        orders += page.data.length;
        sample();
        if (measureLive && page.page === PAGES / 2) live(); // the lookahead window is full here
      }
    } else {
      const all = await esi.all("/markets/{region_id}/orders", params);
      sample();
      for (const order of all) priceSum += order.price;
      orders = all.length;
      sample();
      live();
    }
  } finally {
    clearInterval(timer);
  }
  const wallMs = performance.now() - started;
  const result: Result = {
    mode,
    orders,
    priceSum,
    wallMs,
    startRss: start.rss,
    peakRss,
    startHeap: start.heapUsed,
    peakHeap,
    peakExternal,
    liveHeap,
  };
  console.log(JSON.stringify(result));
}

/** Runs one mode in a fresh process. */
async function runChild(mode: Mode, baseUrl: string, measureLive = false): Promise<Result> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL(import.meta.url).pathname,
      mode,
      baseUrl,
      ...(measureLive ? ["live"] : []),
    ],
    stdout: "piped",
    stderr: "inherit",
    signal: AbortSignal.timeout(CHILD_TIMEOUT_MS),
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) throw new Error(`The ${mode} run failed (${out.code}): ${text}`);
  return JSON.parse(text.split("\n").at(-1)!);
}

async function parent(): Promise<void> {
  const sim = await startSimulatorProcess({
    latencyMs: LATENCY_MS,
    data: { marketPages: PAGES, ordersPerPage: ORDERS_PER_PAGE },
    rateLimits: { "market-order": { maxTokens: 1e12, windowMs: 900_000 } },
  });
  try {
    // The simulator builds each page's body on first request: build them all first.
    const warm = new EsiClient({ userAgent: "bench/1.0", baseUrl: sim.url, cache: false });
    let pageBytes = 0;
    for await (const page of warm.pages("/markets/{region_id}/orders", params)) {
      if (page.page === 2) pageBytes = JSON.stringify(page.data).length;
    }

    const results: Result[] = [];
    for (let run = 0; run < RUNS; run++) {
      const stream = await runChild("pages", sim.url);
      stream.liveHeap = (await runChild("pages", sim.url, true)).liveHeap;
      const cached = await runChild("pages-cached", sim.url);
      cached.liveHeap = (await runChild("pages-cached", sim.url, true)).liveHeap;
      results.push(stream, cached, await runChild("all", sim.url));
    }
    const expected = PAGES * ORDERS_PER_PAGE;
    const sums = new Set(results.map((r) => r.priceSum.toFixed(2)));
    if (results.some((r) => r.orders !== expected) || sums.size !== 1) {
      throw new Error(`The runs disagree: ${JSON.stringify(results)}`);
    }

    const label: Record<Mode, string> = {
      "pages": "pages(), no cache",
      "pages-cached": "pages(), default cache",
      "all": "all(), no cache",
    };
    const mib = (n: number) => (n / MiB).toFixed(1).padStart(8);
    console.log(
      `${PAGES} pages × ${ORDERS_PER_PAGE} orders (~${
        (pageBytes / 1024).toFixed(0)
      } KiB of JSON a page, ${
        (PAGES * pageBytes / MiB).toFixed(0)
      } MiB in all), ${LATENCY_MS} ms latency, ${CONCURRENCY} in flight, ` +
        `lookahead 20; each run a fresh process; MiB\n`,
    );
    console.log(
      "| mode                   | run |  wall ms | start RSS | peak RSS | Δ RSS  | peak heap used | peak external | live heap |",
    );
    console.log(
      "| ---------------------- | --- | -------- | --------- | -------- | ------ | -------------- | ------------- | --------- |",
    );
    results.forEach((r, i) => {
      console.log(
        `| ${label[r.mode].padEnd(22)} | ${String(Math.floor(i / 3) + 1).padStart(3)} | ${
          r.wallMs.toFixed(0).padStart(8)
        } | ${mib(r.startRss).padStart(9)} | ${mib(r.peakRss)} | ${
          mib(r.peakRss - r.startRss).trim().padStart(6)
        } | ${mib(r.peakHeap).padStart(14)} | ${mib(r.peakExternal).padStart(13)} | ${
          mib(r.liveHeap).padStart(9)
        } |`,
      );
    });
    const median = (mode: Mode, pick: (r: Result) => number) => {
      const xs = results.filter((r) => r.mode === mode).map(pick).sort((a, b) => a - b);
      return xs[Math.floor(xs.length / 2)];
    };
    const streamPeak = median("pages", (r) => r.peakRss);
    const cachedPeak = median("pages-cached", (r) => r.peakRss);
    const allPeak = median("all", (r) => r.peakRss);
    console.log(
      `\nMedian peak RSS: pages() ${(streamPeak / MiB).toFixed(0)} MiB (with the default cache ${
        (cachedPeak / MiB).toFixed(0)
      } MiB), all() ${(allPeak / MiB).toFixed(0)} MiB (${
        (allPeak / streamPeak).toFixed(1)
      }×); peak heap used: pages() ${
        (median("pages", (r) => r.peakHeap) / MiB).toFixed(0)
      } MiB, all() ${(median("all", (r) => r.peakHeap) / MiB).toFixed(0)} MiB; live heap: pages() ${
        (median("pages", (r) => r.liveHeap) / MiB).toFixed(0)
      } MiB, all() ${(median("all", (r) => r.liveHeap) / MiB).toFixed(0)} MiB.`,
    );
    console.log(
      `${navigator.hardwareConcurrency} CPUs, Deno ${Deno.version.deno}, V8 ${Deno.version.v8}`,
    );
  } finally {
    await sim.stop();
  }
}

const [mode, url, measureLive] = Deno.args;
if (mode === "pages" || mode === "pages-cached" || mode === "all") {
  await child(mode, url, measureLive === "live");
} else await parent();
