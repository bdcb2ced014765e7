/**
 * The one conformance suite every {@link CacheStore} passes: memory, Deno KV,
 * Upstash (through the emulator, over a real Redis) and the Web Cache API.
 * Each `*_test.ts` beside this file runs it with a harness for its store.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CacheEntry, CacheStore } from "../../src/cache/store.ts";
import type { StoreErrorEvent } from "../../src/observe/hooks.ts";
import type { StoreHooks } from "../../src/cache/guard.ts";
import { FakeClock } from "../../src/testing/fake_clock.ts";
import { EsiError } from "../../src/errors.ts";

/** How a stored value is damaged, through the backend, for the corruption steps. */
export type Damage = "flip" | "truncate";

/** One fresh store under test. */
export interface StoreUnderTest {
  /** The store, empty. */
  store: CacheStore;
  /**
   * Damages the stored value of `key` directly in the backend. Absent for a
   * store that keeps no bytes (memory).
   */
  damage?: (key: string, how: Damage) => Promise<void>;
  /** Releases what the store holds. */
  close(): Promise<void>;
}

/** What the suite needs of a store kind. */
export interface StoreHarness {
  /** The store's name, as its `StoreErrorEvent.store`. */
  name: string;
  /**
   * A fresh, empty store whose expiry is timed by `clock` and whose failures
   * go to `hooks`.
   */
  create(options: { clock: FakeClock; hooks: StoreHooks }): Promise<StoreUnderTest>;
  /** Whether its stores can be damaged through the backend (`StoreUnderTest.damage`). */
  canDamage: boolean;
  /**
   * A store whose backend fails every operation, reporting to `hooks`.
   * Absent for a store without a backend that can fail (memory).
   */
  broken?(options: { clock: FakeClock; hooks: StoreHooks }): Promise<StoreUnderTest>;
  /** Releases what the harness holds (servers, temp dirs). */
  close(): Promise<void>;
}

/** Options of {@link cacheConformance}. */
export interface ConformanceOptions {
  /** Registers the test as ignored (a backend is missing here). */
  ignore?: boolean;
  /** Registers the test through this function instead of `Deno.test` (e.g. `redisTest`). */
  register?: (name: string, fn: (t: Deno.TestContext) => Promise<void>) => void;
}

const MiB = 1024 * 1024;

/**
 * Registers the conformance suite for one store kind: one test, one step per
 * behaviour.
 *
 * @param setup Starts the harness (servers, databases) for the test.
 * @param options Ignore the test, or register it another way.
 */
export function cacheConformance(
  label: string,
  setup: () => Promise<StoreHarness>,
  options: ConformanceOptions = {},
): void {
  const name = `${label} conforms to the CacheStore contract`;
  const fn = async (t: Deno.TestContext) => {
    const harness = await setup();
    try {
      await runSteps(t, harness);
    } finally {
      await harness.close();
    }
  };
  if (options.register) options.register(name, fn);
  else Deno.test({ name, ignore: options.ignore ?? false, fn });
}

async function runSteps(t: Deno.TestContext, harness: StoreHarness): Promise<void> {
  /** Runs one step against a fresh store; fails it on any storeError event. */
  // A step that cannot apply to a store (the memory store keeps objects, so
  // it has no bytes to damage) is not registered at all: never "ignored".
  const step = (
    title: string,
    body: (s: StoreUnderTest, clock: FakeClock) => Promise<void>,
    applies = true,
  ) =>
    applies && t.step({
      name: title,
      fn: async () => {
        const clock = new FakeClock();
        const events: StoreErrorEvent[] = [];
        const subject = await harness.create({
          clock,
          hooks: { storeError: [(e) => void events.push(e)] },
        });
        try {
          await body(subject, clock);
          assert.deepEqual(events.map((e) => e.error.message), [], "no store errors");
        } finally {
          await subject.close();
        }
      },
    });

  await step("get of a key never set is a miss", async ({ store }) => {
    assert.equal(await store.get("never set"), undefined);
  });

  await step("set then get returns the entry whole", async ({ store }, clock) => {
    const written = entry(clock, { body: text('{"players":23456}') });
    await store.set("GET /status", written, 60_000);
    assertSameEntry(await store.get("GET /status"), written);
  });

  await step("an empty body and a 204 round-trip", async ({ store }, clock) => {
    const written = entry(clock, { status: 204, headers: {}, body: new Uint8Array(0) });
    await store.set("empty", written, 60_000);
    assertSameEntry(await store.get("empty"), written);
  });

  await step("set replaces the entry under a key", async ({ store }, clock) => {
    await store.set("k", entry(clock, { body: text("first") }), 60_000);
    const second = entry(clock, { body: text("second"), headers: { etag: '"2"' } });
    await store.set("k", second, 60_000);
    assertSameEntry(await store.get("k"), second);
  });

  await step(
    "delete removes the entry; deleting a missing key is fine",
    async ({ store }, clock) => {
      await store.set("k", entry(clock), 60_000);
      await store.delete("k");
      assert.equal(await store.get("k"), undefined);
      await store.delete("k");
      await store.delete("never set");
    },
  );

  await step(
    "keys are independent: long, unicode and look-alike keys",
    async ({ store }, clock) => {
      const keys = [
        "a",
        "A",
        "a ",
        "é",
        "e\u0301",
        "GET https://esi.evetech.net/markets/10000002/orders?page=1&type_id=34",
        "x".repeat(4096),
        "x".repeat(4095) + "y",
        "🚀 ".repeat(300),
      ];
      for (const [i, key] of keys.entries()) {
        await store.set(key, entry(clock, { body: text(`value ${i}`) }), 60_000);
      }
      for (const [i, key] of keys.entries()) {
        assert.equal(decode((await store.get(key))?.body), `value ${i}`, `key #${i}`);
      }
    },
  );

  await step(
    "an entry is dropped once its TTL has passed, by the clock",
    async ({ store }, clock) => {
      const written = entry(clock, { expiresAt: clock.now() + 5_000 });
      await store.set("ttl", written, 10_000);
      await clock.advance(9_999);
      assertSameEntry(await store.get("ttl"), written, "kept until the TTL");
      await clock.advance(1);
      assert.equal(await store.get("ttl"), undefined, "dropped at the TTL");
    },
  );

  await step("a stale entry within its TTL is still returned", async ({ store }, clock) => {
    const written = entry(clock, { expiresAt: clock.now() - 1_000 });
    await store.set("stale", written, 60_000);
    assertSameEntry(await store.get("stale"), written);
  });

  await step("a TTL of zero keeps nothing", async ({ store }, clock) => {
    await store.set("zero", entry(clock), 60_000);
    await store.set("zero", entry(clock), 0);
    assert.equal(await store.get("zero"), undefined);
  });

  await step("a 2 MiB body round-trips intact", async ({ store }, clock) => {
    const written = entry(clock, { body: pattern(2 * MiB, 7) });
    await store.set("big", written, 60_000);
    assertSameEntry(await store.get("big"), written);
    const smaller = entry(clock, { body: pattern(300 * 1024, 9) });
    await store.set("big", smaller, 60_000);
    assertSameEntry(await store.get("big"), smaller, "a smaller value replaces it whole");
  });

  await step("every byte value round-trips in a body and in headers", async ({ store }, clock) => {
    const body = new Uint8Array(256 * 4);
    for (let i = 0; i < body.length; i++) body[i] = i % 256;
    const headers = { "x-odd": 'quote " backslash \\ tab \t nul \u0000 é 🚀', etag: 'W/"x"' };
    const written = entry(clock, { body, headers });
    await store.set("binary", written, 60_000);
    assertSameEntry(await store.get("binary"), written);
  });

  await step("50 concurrent writers to one key leave one of their values, whole", async (
    { store },
    clock,
  ) => {
    const values = Array.from(
      { length: 50 },
      (_, i) => entry(clock, { body: pattern(150 * 1024 + i, i), headers: { etag: `"${i}"` } }),
    );
    const seen: (CacheEntry | undefined)[] = [];
    await Promise.all([
      ...values.map((v) => store.set("contended", v, 60_000)),
      // Readers racing the writers may miss, but never see a mix.
      ...Array.from({ length: 20 }, async () => void seen.push(await store.get("contended"))),
    ]);
    const final = await store.get("contended");
    assert.ok(final, "one value is left");
    assertOneOf(final, values);
    for (const read of seen) if (read) assertOneOf(read, values);
  });

  for (const how of ["flip", "truncate"] as const) {
    await step(
      `a ${how === "flip" ? "corrupted" : "truncated"} entry reads as a miss`,
      async ({ store, damage }, clock) => {
        for (const size of [100, 200 * 1024]) {
          const key = `damaged ${size}`;
          await store.set(key, entry(clock, { body: pattern(size, 3) }), 60_000);
          await damage!(key, how);
          assert.equal(await store.get(key), undefined, `${size} bytes`);
        }
      },
      harness.canDamage,
    );
  }

  const broken = harness.broken;
  if (broken) {
    await t.step("a store whose backend fails reads as a miss and reports storeError", async () => {
      const clock = new FakeClock();
      const events: StoreErrorEvent[] = [];
      const subject = await broken({
        clock,
        hooks: { storeError: [(e) => void events.push(e)] },
      });
      try {
        assert.equal(await subject.store.get("k"), undefined);
        await subject.store.set("k", entry(clock), 60_000);
        await subject.store.delete("k");
        assert.deepEqual(events.map((e) => [e.store, e.operation]), [
          [harness.name, "get"],
          [harness.name, "set"],
          [harness.name, "delete"],
        ]);
        for (const { error } of events) {
          assert.ok(error instanceof EsiError);
          assert.equal(error.code, "ERR_STORE");
          assert.match(
            error.message,
            new RegExp(`^Cannot \\w+ \\w+ the "${harness.name}" cache store: `),
          );
        }
      } finally {
        await subject.close();
      }
    });
  }
}

function entry(clock: FakeClock, over: Partial<CacheEntry> = {}): CacheEntry {
  return {
    status: 200,
    headers: {
      "content-type": "application/json; charset=utf-8",
      etag: '"abc"',
      expires: new Date(clock.now() + 300_000).toUTCString(),
      "x-pages": "3",
    },
    body: text("[]"),
    storedAt: clock.now(),
    expiresAt: clock.now() + 300_000,
    ...over,
  };
}

function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function decode(bytes: Uint8Array | undefined): string | undefined {
  return bytes && new TextDecoder().decode(bytes);
}

/** Bytes that tell writers apart everywhere: a mix of two writes never matches either. */
function pattern(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = (seed + 1) * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    out[i] = x & 0xff;
  }
  return out;
}

function assertSameEntry(actual: CacheEntry | undefined, expected: CacheEntry, message?: string) {
  assert.ok(actual, message ?? "an entry");
  assert.equal(actual.status, expected.status, message);
  assert.deepEqual({ ...actual.headers }, { ...expected.headers }, message);
  assert.equal(actual.storedAt, expected.storedAt, message);
  assert.equal(actual.expiresAt, expected.expiresAt, message);
  assert.equal(actual.body.length, expected.body.length, message);
  assert.ok(sameBytes(actual.body, expected.body), message ?? "the same body");
}

function assertOneOf(actual: CacheEntry, candidates: CacheEntry[]) {
  const match = candidates.find((c) => c.headers.etag === actual.headers.etag);
  assert.ok(match, `an etag of one of the writers, not ${actual.headers.etag}`);
  assertSameEntry(actual, match, "the whole value of the writer its etag names");
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
