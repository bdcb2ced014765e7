import assert from "node:assert/strict";
import { MemoryCache } from "../../src/cache/memory.ts";
import type { CacheEntry, CacheStore } from "../../src/cache/store.ts";
import { FakeClock } from "../../src/testing/mod.ts";
import { TieredCache } from "../../src/cache/tiered.ts";

class CountingStore implements CacheStore {
  gets = 0;
  constructor(readonly inner: CacheStore) {}
  get(key: string) {
    this.gets++;
    return this.inner.get(key);
  }
  set(key: string, entry: CacheEntry, ttlMs: number) {
    return this.inner.set(key, entry, ttlMs);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
}

const entry = (now: number, freshMs: number): CacheEntry => ({
  status: 200,
  headers: { etag: '"v1"' },
  body: new TextEncoder().encode("{}"),
  storedAt: now,
  expiresAt: now + freshMs,
});

Deno.test("tiered cache: fresh entries from memory, the rest from the shared store", async () => {
  const clock = new FakeClock();
  const shared = new CountingStore(new MemoryCache({ clock }));
  const a = new TieredCache({ shared, clock });
  const b = new TieredCache({ shared, clock }); // another isolate

  await a.set("k", entry(clock.now(), 30_000), 3_600_000);
  assert.deepEqual((await a.get("k"))?.headers, { etag: '"v1"' });
  assert.equal(shared.gets, 0); // a wrote it: a has it

  assert.ok(await b.get("k"));
  assert.ok(await b.get("k"));
  assert.equal(shared.gets, 1); // b read it once, then kept it

  // Past its freshness, each isolate asks the shared store (where a revalidation would be).
  await clock.advance(30_001);
  await shared.set("k", { ...entry(clock.now(), 30_000), headers: { etag: '"v2"' } }, 3_600_000);
  assert.deepEqual((await b.get("k"))?.headers, { etag: '"v2"' });
  assert.equal(shared.gets, 2);

  await a.delete("k");
  assert.equal(await a.get("k"), undefined);
  assert.equal(await shared.get("k"), undefined);
});

Deno.test("tiered cache: an entry replaced by one already due is not served from the near tier", async () => {
  const clock = new FakeClock();
  const cache = new TieredCache({ shared: new MemoryCache({ clock }), clock });
  await cache.set("k", entry(clock.now(), 30_000), 3_600_000);
  // A refetch (no-cache) answered with an entry that is due at once.
  await cache.set("k", { ...entry(clock.now(), 0), headers: { etag: '"v2"' } }, 3_600_000);
  assert.deepEqual((await cache.get("k"))?.headers, { etag: '"v2"' });
});
