import assert from "node:assert/strict";
import { type CacheEntry, MemoryCache } from "../../mod.ts";
import { FakeClock } from "../../src/testing/fake_clock.ts";

const entry = (size: number): CacheEntry => ({
  status: 200,
  headers: {},
  body: new Uint8Array(size),
  storedAt: 0,
  expiresAt: 0,
});

Deno.test("MemoryCache evicts the least recently used entry past maxEntries", async () => {
  const cache = new MemoryCache({ maxEntries: 2 });
  await cache.set("a", entry(1), 60_000);
  await cache.set("b", entry(1), 60_000);
  await cache.get("a"); // a is now the most recent
  await cache.set("c", entry(1), 60_000);
  assert.ok(await cache.get("a"));
  assert.equal(await cache.get("b"), undefined);
  assert.ok(await cache.get("c"));
});

Deno.test("MemoryCache stays within maxBytes and skips entries larger than it", async () => {
  const cache = new MemoryCache({ maxBytes: 10_000 });
  for (let i = 0; i < 10; i++) await cache.set(`k${i}`, entry(2_000), 60_000);
  assert.ok(cache.bytes <= 10_000);
  assert.ok(cache.size < 10);
  assert.ok(await cache.get("k9"));
  await cache.set("huge", entry(20_000), 60_000);
  assert.equal(await cache.get("huge"), undefined);
});

Deno.test("MemoryCache drops entries once their TTL has passed", async () => {
  const clock = new FakeClock();
  const cache = new MemoryCache({ clock });
  await cache.set("a", entry(1), 1_000);
  await clock.advance(999);
  assert.ok(await cache.get("a"));
  await clock.advance(1);
  assert.equal(await cache.get("a"), undefined);
  assert.equal(cache.size, 0);
  assert.equal(cache.bytes, 0);
});
