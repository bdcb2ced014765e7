import assert from "node:assert/strict";
import {
  backoffDelay,
  defaultRetryPolicy,
  parseRetryAfter,
  resolveRetryPolicy,
} from "../../src/http/retry.ts";

Deno.test("the default policy retries ESI's transient statuses on idempotent methods", () => {
  assert.deepEqual([...defaultRetryPolicy.statuses], [502, 503, 504]);
  assert.ok(!defaultRetryPolicy.methods.includes("POST"));
  assert.equal(resolveRetryPolicy(5).limit, 5);
  assert.equal(resolveRetryPolicy({ backoffMs: 10 }).limit, defaultRetryPolicy.limit);
});

Deno.test("backoff is exponential with full jitter under a cap", () => {
  const top = resolveRetryPolicy({ random: () => 0.999999, backoffMs: 100, maxBackoffMs: 1000 });
  assert.equal(backoffDelay(top, 1), 99);
  assert.equal(backoffDelay(top, 2), 199);
  assert.equal(backoffDelay(top, 3), 399);
  assert.equal(backoffDelay(top, 10), 999);
  assert.equal(backoffDelay(resolveRetryPolicy({ random: () => 0 }), 3), 0);
});

Deno.test("Retry-After is read in seconds and as an HTTP date", () => {
  const now = Date.UTC(2026, 6, 17, 12);
  assert.equal(parseRetryAfter("2", now), 2000);
  assert.equal(parseRetryAfter(new Date(now + 5000).toUTCString(), now), 5000);
  assert.equal(parseRetryAfter(new Date(now - 5000).toUTCString(), now), 0);
  assert.equal(parseRetryAfter("soon", now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
});
