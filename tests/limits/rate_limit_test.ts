import assert from "node:assert/strict";
import { Limits } from "../../mod.ts";
import { parseRateLimit, RateLimitBucket, tokenCost } from "../../src/limits/rate_limit.ts";
import { FakeClock } from "../../src/testing/mod.ts";

const now = Date.UTC(2026, 6, 17, 12);

Deno.test("tokens cost 2 for 2xx, 1 for 3xx, 5 for 4xx but 429, 0 for 5xx", () => {
  assert.deepEqual([200, 204, 304, 400, 404, 420, 429, 500, 520].map(tokenCost), [
    2,
    2,
    1,
    5,
    5,
    5,
    0,
    0,
    0,
  ]);
});

Deno.test("X-Ratelimit-Limit is read as tokens per window", () => {
  assert.deepEqual(parseRateLimit("150/15m"), { maxTokens: 150, windowMs: 900_000 });
  assert.deepEqual(parseRateLimit("12000/1h"), { maxTokens: 12000, windowMs: 3_600_000 });
  assert.equal(parseRateLimit("lots"), undefined);
});

Deno.test("a bucket reserves in-flight calls and frees tokens as the window floats", () => {
  const bucket = new RateLimitBucket({ maxTokens: 6, windowMs: 60_000 });
  bucket.reserve();
  bucket.reserve();
  assert.equal(bucket.waitMs(now), 0); // 4 reserved + 2 fits in 6
  bucket.reserve();
  assert.equal(bucket.waitMs(now), Infinity); // only settling can make room
  bucket.settle(200, undefined, now);
  bucket.settle(200, undefined, now + 10_000);
  bucket.settle(200, undefined, now + 20_000);
  assert.equal(bucket.used(now + 20_000), 6);
  assert.equal(bucket.waitMs(now + 20_000), 40_000); // the first spend leaves the window at +60 s
  assert.equal(bucket.waitMs(now + 60_000), 0);
});

Deno.test("ESI's headers correct the bucket for tokens spent elsewhere", () => {
  const bucket = new RateLimitBucket({ maxTokens: 150, windowMs: 900_000 });
  bucket.reserve();
  bucket.settle(
    200,
    new Headers({
      "x-ratelimit-limit": "150/15m",
      "x-ratelimit-remaining": "48",
      "x-ratelimit-used": "102",
    }),
    now,
  );
  assert.equal(bucket.used(now), 102);
});

Deno.test("a 429 blocks the bucket", () => {
  const bucket = new RateLimitBucket({ maxTokens: 150, windowMs: 900_000 });
  bucket.block(now + 2_000);
  assert.equal(bucket.waitMs(now), 2_000);
  assert.equal(bucket.waitMs(now + 2_000), 0);
});

Deno.test("idle buckets are forgotten once there are many; busy ones are kept", async () => {
  const clock = new FakeClock({ start: now });
  const limits = new Limits({ clock });
  const busy = limits.bucket("char-location", "character:busy");
  busy.reserve();
  busy.settle(200, undefined, clock.now());
  const first = limits.bucket("char-location", "character:0");
  for (let i = 1; i < 9_999; i++) limits.bucket("char-location", `character:${i}`);
  assert.equal(limits.bucket("char-location", "character:0"), first, "kept below the sweep");
  limits.bucket("char-location", "character:new"); // the 10,001st: a sweep first
  assert.notEqual(limits.bucket("char-location", "character:0"), first, "forgotten, made anew");
  assert.equal(
    limits.bucket("char-location", "character:busy"),
    busy,
    "its spend is still counted",
  );
  assert.equal(busy.idle(clock.now()), false);
  await clock.advance(busy.size.windowMs + 1);
  assert.equal(busy.idle(clock.now()), true);
});
