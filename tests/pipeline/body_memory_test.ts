/**
 * What an answer's body costs in memory: the bytes it holds, not the
 * transport's chunks. `fetch` hands a body over in chunks that each own a
 * 64 KiB buffer (4 KiB of data each for a gzip'd answer, as ESI sends), so a
 * body kept as one of them, or gathered from them, costs many times its size.
 */
import assert from "node:assert/strict";
import { type CacheEntry, type CacheStore, EsiClient, MemoryCache } from "../../mod.ts";
import { json, withUpstream } from "../support/upstream.ts";

const fresh = { "cache-control": "public, max-age=300" };
const jsonFresh = { ...fresh, "content-type": "application/json; charset=utf-8" };

/** A memory cache that keeps what was written to it, for a test to look at. */
class Recording implements CacheStore {
  readonly inMemory = true;
  readonly writes: CacheEntry[] = [];
  #inner = new MemoryCache();
  get(key: string): Promise<CacheEntry | undefined> {
    return this.#inner.get(key);
  }
  set(key: string, entry: CacheEntry, ttlMs: number): Promise<void> {
    this.writes.push(entry);
    return this.#inner.set(key, entry, ttlMs);
  }
  delete(key: string): Promise<void> {
    return this.#inner.delete(key);
  }
}

/** The bytes a body keeps alive beyond its own. */
function slack(body: Uint8Array): number {
  return body.buffer.byteLength - body.byteLength;
}

async function gzip(text: string): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function client(url: string, cache: CacheStore): EsiClient {
  return new EsiClient({ userAgent: "t", baseUrl: url, retry: 0, cache });
}

const orders = Array.from({ length: 2_000 }, (_, i) => ({ order_id: i, price: i * 1.5 }));

Deno.test("a stored body holds its own bytes, not the transport's buffers", async (t) => {
  await t.step("a small answer: not a 64 KiB chunk for 20 bytes", () => {
    const cache = new Recording();
    return withUpstream(() => json({ players: 20_000 }, fresh), async ({ url }) => {
      const res = await client(url, cache).get("/status");
      assert.equal(res.players, 20_000);
      const [entry] = cache.writes;
      assert.equal(new TextDecoder().decode(entry.body), '{"players":20000}');
      assert.ok(slack(entry.body) <= 64, `${slack(entry.body)} bytes held beyond the body`);
    });
  });

  await t.step("a gzip'd answer (as ESI sends), read whole and exact", async () => {
    const cache = new Recording();
    const text = JSON.stringify(orders);
    const packed = await gzip(text);
    return withUpstream(
      () =>
        new Response(packed, {
          headers: { ...fresh, "content-type": "application/json", "content-encoding": "gzip" },
        }),
      async ({ url }) => {
        const res = await client(url, cache).request("GET", "/markets/{region_id}/orders", {
          path: { region_id: 1 },
          query: { order_type: "all" },
          raw: "text",
        });
        assert.equal(res.data, text);
        const [entry] = cache.writes;
        assert.equal(entry.body.byteLength, text.length);
        assert.ok(slack(entry.body) <= 64, `${slack(entry.body)} bytes held beyond the body`);
      },
    );
  });

  await t.step("an answer of unknown length, in many small chunks", () => {
    const cache = new Recording();
    const text = JSON.stringify(orders);
    const bytes = new TextEncoder().encode(text);
    return withUpstream(
      () =>
        new Response(
          ReadableStream.from(
            Array.from(
              { length: Math.ceil(bytes.length / 1000) },
              (_, i) => bytes.slice(i * 1000, (i + 1) * 1000),
            ),
          ),
          { headers: { ...fresh, "content-type": "application/json" } },
        ),
      async ({ url }) => {
        const res = await client(url, cache).request("GET", "/markets/{region_id}/orders", {
          path: { region_id: 1 },
          query: { order_type: "all" },
          raw: "text",
        });
        assert.equal(res.data, text);
        const [entry] = cache.writes;
        assert.equal(entry.body.byteLength, bytes.length);
        assert.ok(slack(entry.body) <= 64, `${slack(entry.body)} bytes held beyond the body`);
      },
    );
  });
});

Deno.test("a raw caller's answer is checked as JSON without being parsed into values", async (t) => {
  const text = JSON.stringify(orders);
  const parse = JSON.parse;
  let parsedBodies = 0;
  JSON.parse = function (source: string, reviver?: Parameters<typeof parse>[1]) {
    if (String(source).length >= text.length) parsedBodies++;
    return parse(source, reviver);
  };
  try {
    for (const raw of ["bytes", "text"] as const) {
      await t.step(
        `raw "${raw}"`,
        () =>
          withUpstream(() => new Response(text, { headers: jsonFresh }), async ({ url }) => {
            parsedBodies = 0;
            const res = await client(url, new Recording()).requestUntyped(
              "GET",
              "/markets/{region_id}/orders",
              { path: { region_id: 1 }, query: { order_type: "all" }, raw },
            );
            assert.equal((res.data as { length: number }).length, text.length);
            assert.equal(parsedBodies, 0);
          }),
      );
    }
    await t.step(
      "not raw: the check's parse is the caller's data",
      () =>
        withUpstream(() => new Response(text, { headers: jsonFresh }), async ({ url }) => {
          parsedBodies = 0;
          const res = await client(url, new Recording()).request(
            "GET",
            "/markets/{region_id}/orders",
            { path: { region_id: 1 }, query: { order_type: "all" } },
          );
          assert.equal(res.data.length, orders.length);
          assert.equal(parsedBodies, 1);
        }),
    );
  } finally {
    JSON.parse = parse;
  }
});

Deno.test("raw bytes are a copy, or with shareRawBytes the stored bytes themselves", async (t) => {
  for (const shareRawBytes of [false, true]) {
    await t.step(`shareRawBytes: ${shareRawBytes}`, () => {
      const cache = new Recording();
      return withUpstream(() => json({ players: 1 }, fresh), async ({ url }) => {
        const esi = new EsiClient({ userAgent: "t", baseUrl: url, retry: 0, cache, shareRawBytes });
        const miss = await esi.requestUntyped("GET", "/status", { raw: "bytes" });
        const hit = await esi.requestUntyped("GET", "/status", { raw: "bytes" });
        assert.equal(hit.meta.cache, "hit");
        const [entry] = cache.writes;
        for (const res of [miss, hit]) {
          assert.deepEqual(res.data, entry.body);
          assert.equal(res.data === entry.body, shareRawBytes);
        }
      });
    });
  }
});
