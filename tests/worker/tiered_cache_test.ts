import assert from "node:assert/strict";
import { MemoryCache } from "../../src/cache/memory.ts";
import type { CacheEntry, CacheStore } from "../../src/cache/store.ts";
import { FakeClock } from "../../src/testing/mod.ts";
import { TieredCache } from "../../src/cache/tiered.ts";
import { EsiClient } from "../../src/client/client.ts";
import { withUpstream } from "../support/upstream.ts";

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

Deno.test("tiered cache: a walk's pages stay in the shared tier, the near tier keeps what is read often", async () => {
  const lastModified = new Date(Date.now() - 60_000).toUTCString();
  const headers = {
    "content-type": "application/json",
    "cache-control": "public, max-age=300",
    "last-modified": lastModified,
  };
  // 30 pages of ~10 KB: three times the near tier's budget.
  const page = JSON.stringify(Array.from({ length: 400 }, (_, i) => ({ order_id: i })));
  await withUpstream(
    (req) =>
      new URL(req.url).pathname === "/status"
        ? Response.json({ players: 1 }, { headers })
        : new Response(page, { headers: { ...headers, "x-pages": "30" } }),
    async ({ url, requests }) => {
      const shared = new CountingStore(new MemoryCache());
      const cache = new TieredCache({ shared, maxBytes: 100 * 1024 });
      const esi = new EsiClient({ userAgent: "t", baseUrl: url, cache });
      const orders = { path: { region_id: 1 }, query: { order_type: "all" as const } };
      await esi.get("/status");
      let pages = 0;
      for await (const _ of esi.pages("/markets/{region_id}/orders", orders)) pages++;
      assert.equal(pages, 30);

      const gets = shared.gets;
      assert.equal((await esi.request("GET", "/status")).meta.cache, "hit");
      assert.equal(shared.gets, gets, "/status was pushed out of the near tier");

      // The pages are cached all the same: a second walk asks ESI nothing.
      const asked = requests.length;
      for await (const p of esi.pages("/markets/{region_id}/orders", orders)) {
        assert.equal(p.meta.cache, "hit");
      }
      assert.equal(requests.length, asked);
      assert.equal((await esi.request("GET", "/status")).meta.cache, "hit");
      assert.equal(
        shared.gets,
        gets + 30,
        "the second walk read the shared tier, /status the near",
      );
    },
  );
});
