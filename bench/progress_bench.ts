/**
 * Progress is cheap when unused: walks over in-memory pages (no network, so
 * the walk's own cost is all there is), without `onProgress`, with a listener
 * that does nothing, and with one that formats a line as a progress bar does.
 * A walk without `onProgress` creates no tracker and pays one `undefined`
 * check per page.
 *
 *   deno bench -A bench/progress_bench.ts
 *
 * @module
 */
import type { EsiMeta, Progress } from "../mod.ts";
import { settleAll } from "../src/bulk.ts";
import { systemClock } from "../src/clock.ts";
import { allPagesOf } from "../src/paginate/x_pages.ts";

const PAGES = 1_000;
const records = Array.from({ length: 100 }, (_, i) => i);
const meta: EsiMeta = {
  cache: "miss",
  route: "/x",
  url: "",
  attempts: 1,
  pages: PAGES,
  bytes: 2_000,
  errorLimit: { remain: 100, reset: 60 },
};
const fetchPage = () => Promise.resolve({ data: records, meta });
const inputs = Array.from({ length: PAGES }, (_, i) => i);

let sink = "";
const format = (p: Progress) => {
  sink = `${p.done}/${p.total} ${p.records} ${(p.bytes / 1048576).toFixed(1)} MiB ${p.etaMs}`;
};

const walks = [
  ["no onProgress", undefined],
  ["onProgress: a listener that does nothing", () => {}],
  ["onProgress: a listener that formats a line", format],
] as const;

for (const [name, onProgress] of walks) {
  Deno.bench({
    name: `allPagesOf, ${name}`,
    group: `allPagesOf, ${PAGES} in-memory pages`,
    baseline: onProgress === undefined,
    async fn() {
      const all = await allPagesOf("/x", fetchPage, systemClock, { onProgress });
      if (all.length !== PAGES * records.length) throw new Error("records missing");
    },
  });
  Deno.bench({
    name: `settleAll, ${name}`,
    group: `settleAll, ${PAGES} in-memory calls`,
    baseline: onProgress === undefined,
    async fn() {
      await settleAll(inputs, (n) => Promise.resolve(n), 20, { onProgress });
    },
  });
}

globalThis.addEventListener("unload", () => void sink);
