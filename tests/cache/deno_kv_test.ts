import assert from "node:assert/strict";
import { DenoKvCache } from "../../src/cache/deno_kv.ts";
import { decodeEntry } from "../../src/cache/codec.ts";
import type { CacheEntry } from "../../src/cache/store.ts";
import type { StoreErrorEvent } from "../../src/observe/hooks.ts";
import { FakeClock } from "../../src/testing/fake_clock.ts";
import { cacheConformance, type Damage } from "./conformance.ts";

const PREFIX = ["esikit", "cache"];

cacheConformance("DenoKvCache", () =>
  Promise.resolve({
    name: "deno-kv",
    canDamage: true,
    async create({ clock, hooks }) {
      const kv = await Deno.openKv(":memory:");
      return {
        store: new DenoKvCache({ kv, clock, hooks }),
        damage: (_key, how) => damageAll(kv, how),
        close: () => Promise.resolve(kv.close()),
      };
    },
    broken({ clock, hooks }) {
      return Promise.resolve({
        store: new DenoKvCache({ kv: failingKv(), clock, hooks }),
        close: () => Promise.resolve(),
      });
    },
    close: () => Promise.resolve(),
  }));

/** Damages every record the store wrote (each test stores one key). */
async function damageAll(kv: Deno.Kv, how: Damage): Promise<void> {
  const records = await Array.fromAsync(kv.list<unknown>({ prefix: PREFIX }));
  const chunks = records.filter((r) => r.value instanceof Uint8Array);
  for (const record of records) {
    const head = record.value as { data?: Uint8Array };
    if (head?.data) {
      await kv.set(record.key, { ...head, data: damageBytes(head.data, how) });
    }
  }
  // Chunked: damage the last chunk (a truncated write ends early).
  const last = chunks.at(-1);
  if (last) {
    await kv.set(last.key, damageBytes(last.value as Uint8Array, how));
  }
}

function damageBytes(bytes: Uint8Array, how: Damage): Uint8Array {
  if (how === "truncate") return bytes.slice(0, bytes.length - 7);
  const copy = bytes.slice();
  copy[Math.floor(copy.length / 2)] ^= 0x01;
  return copy;
}

function failingKv(): Deno.Kv {
  const fail = () => {
    throw new Error("KV is down");
  };
  return new Proxy({}, { get: () => fail }) as unknown as Deno.Kv;
}

function entryOf(body: Uint8Array, etag: string, clock: FakeClock): CacheEntry {
  return {
    status: 200,
    headers: { etag },
    body,
    storedAt: clock.now(),
    expiresAt: clock.now() + 60_000,
  };
}

function filled(size: number, byte: number): Uint8Array {
  return new Uint8Array(size).fill(byte);
}

Deno.test("DenoKvCache", async (t) => {
  const clock = new FakeClock();

  await t.step(
    "a small entry is one inline record; a large one a head and 64 KiB chunks",
    async () => {
      const kv = await Deno.openKv(":memory:");
      try {
        const cache = new DenoKvCache({ kv, clock });
        await cache.set("small", entryOf(filled(1024, 1), '"s"', clock), 60_000);
        let records = await Array.fromAsync(kv.list({ prefix: PREFIX }));
        assert.equal(records.length, 1);
        await cache.set("small", entryOf(filled(2 * 1024 * 1024, 2), '"l"', clock), 60_000);
        records = await Array.fromAsync(kv.list({ prefix: PREFIX }));
        const chunks = records.filter((r) => r.value instanceof Uint8Array);
        assert.equal(chunks.length, 33, "2 MiB and the header in 64 KiB chunks");
        assert.equal(records.length, 34, "one head, no inline record left over");
        for (const chunk of chunks) assert.ok((chunk.value as Uint8Array).length <= 65_536);
      } finally {
        kv.close();
      }
    },
  );

  await t.step("replacing a chunked entry deletes the old write's chunks", async () => {
    const kv = await Deno.openKv(":memory:");
    try {
      const cache = new DenoKvCache({ kv, clock });
      await cache.set("k", entryOf(filled(300 * 1024, 1), '"1"', clock), 60_000);
      await cache.set("k", entryOf(filled(1500 * 1024, 2), '"2"', clock), 60_000);
      await cache.set("k", entryOf(filled(200 * 1024, 3), '"3"', clock), 60_000);
      const records = await Array.fromAsync(kv.list({ prefix: PREFIX }));
      const chunks = records.filter((r) => r.value instanceof Uint8Array);
      assert.equal(chunks.length, 4, "only the last write's chunks are left");
      assert.equal((await cache.get("k"))?.headers.etag, '"3"');
      await cache.delete("k");
      assert.equal((await Array.fromAsync(kv.list({ prefix: PREFIX }))).length, 0);
    } finally {
      kv.close();
    }
  });

  await t.step(
    "readers racing 2 MiB writers (several atomic ops each) never see a mix",
    async () => {
      const kv = await Deno.openKv(":memory:");
      try {
        const cache = new DenoKvCache({ kv, clock });
        const bodies = Array.from({ length: 6 }, (_, i) => filled(2 * 1024 * 1024, i + 1));
        await cache.set("k", entryOf(bodies[0], '"0"', clock), 60_000);
        const reads: (CacheEntry | undefined)[] = [];
        let writing = true;
        const readers = Array.from({ length: 4 }, async () => {
          while (writing) reads.push(await cache.get("k"));
        });
        await Promise.all(
          bodies.map((b, i) => cache.set("k", entryOf(b, `"${i}"`, clock), 60_000)),
        );
        writing = false;
        await Promise.all(readers);
        assert.ok(reads.length > 0);
        for (const read of reads) {
          if (!read) continue;
          const i = Number(read.headers.etag.slice(1, -1));
          assert.ok(read.body.every((b) => b === i + 1), `read ${i} is whole`);
        }
        const final = await cache.get("k");
        assert.ok(final);
      } finally {
        kv.close();
      }
    },
  );

  await t.step("the drop time and expireIn are stored with the entry", async () => {
    const kv = await Deno.openKv(":memory:");
    try {
      const cache = new DenoKvCache({ kv, clock, prefix: ["mine"] });
      await cache.set("k", entryOf(filled(10, 1), '"x"', clock), 30_000);
      const [head] = await Array.fromAsync(kv.list<{ until: number; data: Uint8Array }>({
        prefix: ["mine"],
      }));
      assert.equal(head.value.until, clock.now() + 30_000);
      assert.equal(decodeEntry(head.value.data)?.keepUntil, clock.now() + 30_000);
    } finally {
      kv.close();
    }
  });

  await t.step("long keys are hashed to stay inside KV's key limit", async () => {
    const kv = await Deno.openKv(":memory:");
    try {
      const cache = new DenoKvCache({ kv, clock });
      const key = "GET https://esi.evetech.net/x?" + "q".repeat(10_000);
      await cache.set(key, entryOf(filled(10, 1), '"x"', clock), 60_000);
      assert.equal((await cache.get(key))?.headers.etag, '"x"');
      const [record] = await Array.fromAsync(kv.list({ prefix: PREFIX }));
      assert.ok(record.key.at(-1) instanceof Uint8Array, "the key part is a digest");
      assert.equal((record.key.at(-1) as Uint8Array).length, 32);
    } finally {
      kv.close();
    }
  });

  await t.step(
    "a store that opened its own database closes it; a given one stays open",
    async () => {
      const dir = await Deno.makeTempDir();
      try {
        const path = `${dir}/cache.sqlite3`;
        const owned = await DenoKvCache.open({ path, clock });
        await owned.set("k", entryOf(filled(10, 1), '"x"', clock), 60_000);
        await owned.close();
        await owned.close();
        const lazy = new DenoKvCache({ path, clock });
        assert.equal((await lazy.get("k"))?.headers.etag, '"x"', "persisted on disk");
        await lazy.close();

        const kv = await Deno.openKv(":memory:");
        const shared = new DenoKvCache({ kv, clock });
        await shared.close();
        await kv.set(["still", "open"], 1);
        kv.close();
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );

  await t.step("a closed store reports and misses rather than throw", async () => {
    const events: StoreErrorEvent[] = [];
    const cache = await DenoKvCache.open({
      path: ":memory:",
      clock,
      hooks: { storeError: [(e) => void events.push(e)] },
    });
    await cache.close();
    assert.equal(await cache.get("k"), undefined);
    assert.equal(events.length, 1);
    assert.equal(events[0].store, "deno-kv");
  });
});
