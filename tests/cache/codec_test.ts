import assert from "node:assert/strict";
import { decodeEntry, encodeEntry } from "../../src/cache/codec.ts";
import { crc32 } from "../../src/cache/crc32.ts";
import { decodeBase64, encodeBase64 } from "../../src/cache/base64.ts";
import type { CacheEntry } from "../../src/cache/store.ts";

const entry: CacheEntry = {
  status: 200,
  headers: { etag: '"abc"', "x-pages": "3", "content-type": "application/json" },
  body: new TextEncoder().encode('[{"order_id":1}]'),
  storedAt: 1_784_289_600_000,
  expiresAt: 1_784_289_900_000,
};

Deno.test("codec", async (t) => {
  await t.step("CRC-32 matches the standard check value, at every length", () => {
    assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
    // The word loop and the byte loop agree at every length and alignment.
    const bytes = Uint8Array.from({ length: 100 }, (_, i) => (i * 37 + 11) & 0xff);
    for (let offset = 0; offset < 4; offset++) {
      for (let n = 0; offset + n <= 84; n++) {
        const slice = bytes.subarray(offset, offset + n);
        assert.equal(crc32(slice), simpleCrc32(slice), `offset ${offset}, ${n} bytes`);
      }
    }
  });

  await t.step("an entry round-trips with its drop time", () => {
    const decoded = decodeEntry(encodeEntry(entry, 1_784_290_000_000));
    assert.deepEqual(decoded?.entry.headers, entry.headers);
    assert.deepEqual([...decoded!.entry.body], [...entry.body]);
    assert.equal(decoded?.entry.status, 200);
    assert.equal(decoded?.entry.storedAt, entry.storedAt);
    assert.equal(decoded?.entry.expiresAt, entry.expiresAt);
    assert.equal(decoded?.keepUntil, 1_784_290_000_000);
    assert.equal(decodeEntry(encodeEntry(entry))?.keepUntil, Infinity);
  });

  await t.step("every truncation and every single-bit flip decodes to undefined", () => {
    const bytes = encodeEntry(entry, 1);
    for (let n = 0; n < bytes.length; n++) {
      assert.equal(decodeEntry(bytes.subarray(0, n)), undefined, `${n} bytes`);
    }
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const damaged = bytes.slice();
        damaged[i] ^= 1 << bit;
        assert.equal(decodeEntry(damaged), undefined, `byte ${i} bit ${bit}`);
      }
    }
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    assert.equal(decodeEntry(longer), undefined, "trailing bytes");
  });

  await t.step("foreign values decode to undefined, never throw", () => {
    for (
      const value of [
        new Uint8Array(0),
        new TextEncoder().encode("{}"),
        new Uint8Array(100).fill(0xff),
      ]
    ) {
      assert.equal(decodeEntry(value), undefined);
    }
    assert.equal(decodeEntry("ESIC" as unknown as Uint8Array), undefined);
  });

  await t.step("a well-checksummed value with bad headers decodes to undefined", () => {
    for (const headers of ['["a"]', '{"a":1}', "null", "{bad json"]) {
      const bytes = encodeEntry({ ...entry, headers: {} });
      const json = new TextEncoder().encode(headers);
      const out = new Uint8Array(bytes.length - 2 + json.length);
      out.set(bytes.subarray(0, 40));
      out.set(json, 40);
      out.set(bytes.subarray(42, bytes.length - 4), 40 + json.length);
      const view = new DataView(out.buffer);
      view.setUint32(32, json.length, true);
      view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
      assert.equal(decodeEntry(out), undefined, headers);
    }
  });

  await t.step("entries that cannot be encoded are refused", () => {
    assert.throws(() => encodeEntry({ ...entry, status: 42 }), RangeError);
    assert.throws(() => encodeEntry({ ...entry, storedAt: NaN }), RangeError);
    assert.throws(() => encodeEntry(entry, NaN), RangeError);
  });

  await t.step("base64 round-trips every byte and rejects what is not base64", () => {
    const bytes = Uint8Array.from({ length: 256 * 3 + 1 }, (_, i) => i & 0xff);
    assert.deepEqual([...decodeBase64(encodeBase64(bytes))!], [...bytes]);
    assert.equal(encodeBase64(new Uint8Array([0, 255])), "AP8=");
    assert.equal(decodeBase64("not base64!"), undefined);
  });
});

function simpleCrc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
