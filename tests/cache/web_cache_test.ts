import assert from "node:assert/strict";
import { WebCache } from "../../src/cache/web_cache.ts";
import type { CacheEntry } from "../../src/cache/store.ts";
import type { StoreErrorEvent } from "../../src/observe/hooks.ts";
import { FakeClock } from "../../src/testing/fake_clock.ts";
import { cacheConformance, type Damage } from "./conformance.ts";

let names = 0;

/** A real Deno cache that remembers the URLs put into it, so tests can reach them. */
class RecordingCache {
  readonly urls = new Set<string>();
  constructor(readonly inner: Cache) {}
  match(request: RequestInfo | URL, options?: CacheQueryOptions): Promise<Response | undefined> {
    return this.inner.match(request, options);
  }
  put(request: RequestInfo | URL, response: Response): Promise<void> {
    this.urls.add(String(request));
    return this.inner.put(request, response);
  }
  delete(request: RequestInfo | URL, options?: CacheQueryOptions): Promise<boolean> {
    return this.inner.delete(request, options);
  }
}

async function openRecording(): Promise<{ cache: RecordingCache; close(): Promise<void> }> {
  const name = `esikit-test-${Deno.pid}-${++names}`;
  const cache = new RecordingCache(await caches.open(name));
  return { cache, close: async () => void await caches.delete(name) };
}

cacheConformance("WebCache (Deno's Cache API)", () =>
  Promise.resolve({
    name: "web-cache",
    canDamage: true,
    async create({ clock, hooks }) {
      const { cache, close } = await openRecording();
      return {
        store: new WebCache({ cache: cache as unknown as Cache, clock, hooks }),
        damage: (_key, how) => damageAll(cache, how),
        close,
      };
    },
    broken({ clock, hooks }) {
      const down = () => Promise.reject(new Error("the cache is down"));
      const cache = { match: down, put: down, delete: down } as unknown as Cache;
      return Promise.resolve({
        store: new WebCache({ cache, clock, hooks }),
        close: () => Promise.resolve(),
      });
    },
    close: () => Promise.resolve(),
  }));

/** Damages every stored response's body, keeping its headers. */
async function damageAll(cache: RecordingCache, how: Damage): Promise<void> {
  for (const url of cache.urls) {
    const response = await cache.inner.match(url);
    if (!response) continue;
    const bytes = new Uint8Array(await response.arrayBuffer());
    const damaged = how === "truncate" ? bytes.slice(0, bytes.length - 9) : bytes.slice();
    if (how === "flip") damaged[Math.floor(damaged.length / 2)] ^= 0x10;
    await cache.inner.put(url, new Response(damaged, { headers: response.headers }));
  }
}

function entryOf(clock: FakeClock): CacheEntry {
  return {
    status: 200,
    headers: { etag: '"e"' },
    body: new TextEncoder().encode("{}"),
    storedAt: clock.now(),
    expiresAt: clock.now() + 60_000,
  };
}

Deno.test("WebCache", async (t) => {
  await t.step("keys become hashed https URLs under the base URL", async () => {
    const { cache, close } = await openRecording();
    try {
      const clock = new FakeClock();
      const store = new WebCache({
        cache: cache as unknown as Cache,
        clock,
        baseUrl: "https://cache.example.com/esi",
      });
      await store.set(
        "GET https://esi.evetech.net/status?x=" + "y".repeat(5000),
        entryOf(clock),
        1,
      );
      const [url] = cache.urls;
      assert.match(url, /^https:\/\/cache\.example\.com\/esi\/[0-9a-f]{64}$/);
      const response = await cache.inner.match(url);
      assert.equal(response?.headers.get("cache-control"), "max-age=1");
      assert.equal(response?.headers.get("x-esikit-keep-until"), String(clock.now() + 1));
      await response?.body?.cancel();
    } finally {
      await close();
    }
  });

  await t.step("an entry read past its TTL is deleted from the cache", async () => {
    const { cache, close } = await openRecording();
    try {
      const clock = new FakeClock();
      const store = new WebCache({ cache: cache as unknown as Cache, clock });
      await store.set("k", entryOf(clock), 10_000);
      await clock.advance(10_000);
      assert.equal(await store.get("k"), undefined);
      const [url] = cache.urls;
      assert.equal(await cache.inner.match(url), undefined);
    } finally {
      await close();
    }
  });

  await t.step("the named cache is opened from the given CacheStorage", async () => {
    const name = `esikit-test-${Deno.pid}-named`;
    const opened: string[] = [];
    const storage = {
      open: (n: string) => {
        opened.push(n);
        return caches.open(n);
      },
    } as unknown as CacheStorage;
    try {
      const store = new WebCache({ name, caches: storage });
      await store.set("k", entryOf(new FakeClock({ start: Date.now() })), 60_000);
      assert.ok(await store.get("k"));
      assert.deepEqual(opened, [name], "opened once");
    } finally {
      await caches.delete(name);
    }
  });

  await t.step("without a Cache API, operations report and miss", async () => {
    const events: StoreErrorEvent[] = [];
    const storage = { open: () => Promise.reject(new Error("no caches here")) };
    const store = new WebCache({
      caches: storage as unknown as CacheStorage,
      hooks: { storeError: [(e) => void events.push(e)] },
    });
    assert.equal(await store.get("k"), undefined);
    assert.equal(events[0]?.store, "web-cache");
    assert.match(events[0].error.message, /no caches here/);
  });
});
