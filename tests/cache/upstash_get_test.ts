/**
 * The Upstash read path's own parts: base64 decoded from bytes (as
 * `Uint8Array.fromBase64` would, invalid text refused) and a pipeline
 * answer read without building strings of its values.
 */
import assert from "node:assert/strict";
import { decodeBase64, readPipeline } from "../../src/cache/upstash_get.ts";
import { encodeBase64 } from "../../src/cache/base64.ts";

const encoder = new TextEncoder();

Deno.test("decodeBase64 reads padded base64 from bytes, and refuses anything else", () => {
  for (let n = 0; n < 64; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) % 256);
    assert.deepEqual(decodeBase64(encoder.encode(encodeBase64(bytes))), bytes, `length ${n}`);
  }
  for (const bad of ["A", "AB=", "A===", "AB=C", "ab$d", "====", "AAA=AAAA", "AA\nA"]) {
    assert.equal(decodeBase64(encoder.encode(bad)), undefined, bad);
  }
});

Deno.test("readPipeline reads results, missing keys and errors in order", () => {
  const answer = encoder.encode(
    '[{"result":"AP8="},{"result":null}, {"error":"WRONGTYPE \\"x\\""},{"result":"a\\/b"}]',
  );
  const [value, none, error, escaped] = readPipeline(answer, 4);
  assert.deepEqual(value, new Uint8Array([0, 255]));
  assert.equal(none, null);
  assert.ok(error instanceof Error);
  assert.equal(error.message, 'WRONGTYPE "x"');
  assert.equal(escaped, undefined, "an escaped string is not base64");
  for (const bad of ['{"result":null}', '[{"result":null}', '[{"result":1}]', "[]"]) {
    assert.throws(() => readPipeline(encoder.encode(bad), 1), /not a pipeline of GETs/, bad);
  }
});
