import assert from "node:assert/strict";
import type { Progress } from "../../mod.ts";
import { describe } from "../../cli/progress_bar.ts";

const base: Progress = {
  route: "/markets/{region_id}/orders",
  unit: "pages",
  done: 3,
  total: 10,
  records: 3000,
  bytes: 3 * 1024 * 1024,
  failed: 0,
  restarts: 0,
  waits: { count: 0, totalMs: 0, byLimit: {} },
  elapsedMs: 1500,
  etaMs: 3500,
  finished: false,
};

Deno.test("the bar's text: counts, size, rate, ETA, the budget and the group's tokens", () => {
  assert.equal(
    describe({
      ...base,
      errorLimit: { remain: 97, reset: 12 },
      rateLimit: { group: "market-order", limit: "300/15m", remaining: 290, used: 2 },
    }),
    "3/10 pages | 3000 records | 3.0 MiB | 2.0 MiB/s | ETA 3.5 s | 97 errors left | market-order 290 tokens",
  );
});

Deno.test("the bar's text shows waits as waits, with their reason, and what went wrong", () => {
  const text = describe({
    ...base,
    unit: "calls",
    failed: 2,
    restarts: 1,
    total: undefined,
    etaMs: undefined,
    waits: {
      count: 2,
      totalMs: 4200,
      byLimit: { "rate-limit": 4200 },
      last: { limit: "rate-limit", group: "char-detail", waitMs: 2100 },
    },
  });
  assert.equal(
    text,
    "3/? calls | 3000 records | 3.0 MiB | 2.0 MiB/s | 2 failed | 1 restarts | ETA ? | waited 4.2 s (rate-limit char-detail)",
  );
  assert.match(
    describe({ ...base, done: 10, finished: true, etaMs: 0 }),
    /^10\/10 pages .*\| done$/,
  );
});
