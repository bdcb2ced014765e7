import assert from "node:assert/strict";
import type { ErrorBudget } from "../../mod.ts";
import { ErrorLimitGuard, mergeBudgets } from "../../src/limits/error_limit.ts";
import { FakeClock } from "../../src/testing/fake_clock.ts";

const now = Date.UTC(2026, 6, 17, 12);
const headers = (remain: number, reset: number) =>
  new Headers({
    "X-ESI-Error-Limit-Remain": String(remain),
    "X-Esi-Error-Limit-Reset": String(reset),
  });

Deno.test("the guard admits while the budget minus calls in flight stays above the reserve", async () => {
  const guard = new ErrorLimitGuard({ reserve: 10 });
  guard.observe(headers(13, 30), 503, now);
  assert.equal(guard.waitMs(now), 0);
  guard.admit();
  guard.admit();
  assert.equal(guard.waitMs(now), 0); // 13 - 2 = 11 > 10
  guard.admit();
  // 13 - 3 = 10: a third failure would eat into the reserve. The calls in
  // flight may well succeed: wait for one of them to settle, not for the reset.
  assert.equal(guard.waitMs(now), Infinity);
  const settled = guard.changed;
  guard.settle(undefined, 0, now);
  await settled;
  assert.equal(guard.waitMs(now), 0);
  // Once the budget itself is down to the reserve, only the reset (+1 s margin) brings room.
  guard.observe(headers(10, 30), 500, now);
  assert.equal(guard.waitMs(now), 31_000);
});

Deno.test("a 420 blocks every call until the window resets, and a new window starts full", () => {
  const guard = new ErrorLimitGuard();
  guard.observe(headers(0, 20), 420, now);
  assert.equal(guard.waitMs(now), 21_000);
  assert.equal(guard.waitMs(now + 21_000), 0);
  const noHeaders = new ErrorLimitGuard();
  noHeaders.observe(new Headers(), 420, now);
  assert.equal(noHeaders.waitMs(now), 60_000);
});

Deno.test("errors whose answers do not report the budget still spend it", () => {
  const guard = new ErrorLimitGuard({ reserve: 10 });
  guard.observe(headers(13, 30), 503, now);
  for (let i = 0; i < 3; i++) guard.settle(new Headers(), 502, now); // a proxy's, no ESI headers
  assert.deepEqual(guard.budget, { remain: 10, resetAt: now + 31_000, blockedUntil: 0 });
  assert.equal(guard.waitMs(now), 31_000);
  guard.settle(new Headers(), 200, now);
  guard.settle(new Headers(), 304, now);
  assert.equal(guard.budget?.remain, 10, "successes and 304s spend nothing");

  // Nothing known yet: the errors come off a fresh window's budget.
  const fresh = new ErrorLimitGuard({ reserve: 10 });
  for (let i = 0; i < 90; i++) fresh.settle(new Headers(), 503, now);
  assert.deepEqual(fresh.budget, { remain: 10, resetAt: now + 60_000, blockedUntil: 0 });
  assert.equal(fresh.waitMs(now), 60_000);
});

Deno.test("budgets merge: smaller remainder within a window, later window over earlier", () => {
  const a: ErrorBudget = { remain: 50, resetAt: now + 30_000, blockedUntil: 0 };
  assert.equal(mergeBudgets(a, { ...a, remain: 40, resetAt: now + 30_400 }).remain, 40);
  assert.deepEqual(mergeBudgets(a, { remain: 99, resetAt: now + 90_000, blockedUntil: 0 }), {
    remain: 99,
    resetAt: now + 90_000,
    blockedUntil: 0,
  });
});

Deno.test("guards share one budget through a store", async () => {
  let shared: ErrorBudget | undefined;
  const store = {
    load: () => Promise.resolve(shared),
    save: (b: ErrorBudget) => {
      shared = b;
      return Promise.resolve();
    },
  };
  const one = new ErrorLimitGuard({ store, reserve: 10 });
  const two = new ErrorLimitGuard({ store, reserve: 10 });
  one.observe(headers(5, 40), 500, now);
  await two.sync(now);
  assert.equal(two.waitMs(now), 41_000);
});

Deno.test("a store that fails leaves the local view standing", async () => {
  const guard = new ErrorLimitGuard({
    store: {
      load: () => Promise.reject(new Error("down")),
      save: () => Promise.reject(new Error("down")),
    },
  });
  guard.observe(headers(50, 10), 500, now);
  await guard.sync(now);
  assert.equal(guard.budget?.remain, 50);
});

Deno.test("the budget is written to the store only when it tells others something new", () => {
  const saved: ErrorBudget[] = [];
  const store = {
    load: () => Promise.resolve(undefined),
    save: (b: ErrorBudget) => {
      saved.push(b);
      return Promise.resolve();
    },
  };
  const guard = new ErrorLimitGuard({ store });
  // Every answer reports the budget: 100 left, the window's seconds counting down.
  for (let s = 0; s < 10; s++) guard.observe(headers(100, 50 - s), 200, now + s * 1000);
  assert.equal(saved.length, 1, "the same budget is not written again with every answer");
  guard.observe(headers(99, 40), 404, now + 10_000);
  assert.equal(saved.at(-1)?.remain, 99, "an error spent: written");
  guard.observe(headers(99, 39), 420, now + 11_000);
  assert.ok(saved.at(-1)!.blockedUntil > now, "a block: written");
  const count = saved.length;
  guard.observe(headers(100, 59), 200, now + 61_000);
  assert.equal(saved.length, count + 1, "a new window: written");
});

Deno.test("a block whose write failed is written once the store answers again", async () => {
  const clock = new FakeClock();
  const saved: ErrorBudget[] = [];
  let failNext = true;
  const failed = Promise.withResolvers<void>();
  const store = {
    load: () => Promise.resolve(saved.at(-1)),
    save(budget: ErrorBudget) {
      if (failNext) {
        failNext = false;
        // Known to have failed only after the calls in flight answered too.
        return failed.promise.then(() => Promise.reject(new Error("timed out")));
      }
      saved.push(budget);
      return Promise.resolve();
    },
  };
  const guard = new ErrorLimitGuard({ store, clock });
  const at = clock.now();
  for (let i = 0; i < 3; i++) guard.observe(headers(0, 30), 420, at); // the block, then in flight
  failed.resolve();
  await Promise.resolve();
  await Promise.resolve();
  assert.equal(saved.length, 0, "the write failed");
  assert.ok(guard.exhausted(at), "blocked: no call goes out, so no answer comes");
  await clock.advance(60_000 / 2);
  await guard.sync(clock.now());
  assert.ok(saved.some((b) => b.blockedUntil > clock.now()), "the others learn of the block");
});
