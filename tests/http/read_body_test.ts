/**
 * `readBody`: a body read whole into one buffer of its size, under the cap,
 * whether the runtime hands it over as a byte stream (read in place) or as a
 * stream of chunks (copied in).
 */
import assert from "node:assert/strict";
import { readBody } from "../../src/http/read_body.ts";

// Large enough for several reads, whatever the stream hands over at a time.
const text = JSON.stringify(Array.from({ length: 8_000 }, (_, i) => ({ id: i })));
const bytes = new TextEncoder().encode(text);

/** The body as chunks of `size` bytes: a plain stream (not a byte stream). */
function chunked(size: number, headers: HeadersInit = {}): Response {
  const chunks = Array.from(
    { length: Math.ceil(bytes.length / size) },
    (_, i) => bytes.slice(i * size, (i + 1) * size),
  );
  return new Response(ReadableStream.from(chunks), { headers });
}

/** The body as a byte stream that answers each read with at most `size` bytes. */
function byteStream(size: number, headers: HeadersInit = {}): Response {
  let at = 0;
  const body = new ReadableStream({
    type: "bytes",
    pull(controller) {
      // A BYOB read fills the reader's buffer; a default read (arrayBuffer) gets a chunk.
      const request = controller.byobRequest;
      if (!request) {
        controller.enqueue(bytes.slice(at, at += Math.min(size, bytes.length - at)));
      } else {
        const view = request.view as Uint8Array;
        const n = Math.min(size, view.byteLength, bytes.length - at);
        view.set(bytes.subarray(at, at + n));
        at += n;
        request.respond(n);
      }
      if (at === bytes.length) controller.close();
    },
  });
  return new Response(body, { headers });
}

const makers = { "a stream of chunks": chunked, "a byte stream": byteStream };

Deno.test("readBody reads a body whole into a buffer of its own size", async (t) => {
  for (const [name, make] of Object.entries(makers)) {
    for (
      const headers of [{}, { "content-length": String(bytes.length) }] as Record<string, string>[]
    ) {
      const length = "content-length" in headers ? "known length" : "unknown length";
      await t.step(`${name}, ${length}`, async () => {
        const body = await readBody(make(1_000, headers), 1 << 20);
        assert.ok(body);
        assert.equal(new TextDecoder().decode(body), text);
        assert.ok(body.buffer.byteLength - body.byteLength <= 64);
      });
    }
  }
  await t.step("a small body of known length, built by hand: read in place", async () => {
    const small = bytes.subarray(0, 5_000);
    const res = new Response(ReadableStream.from([small.slice(0, 100), small.slice(100)]), {
      headers: { "content-length": String(small.length) },
    });
    const body = await readBody(res, 1 << 20);
    assert.deepEqual(body, small);
    assert.ok(body!.buffer.byteLength - small.length <= 64);
  });
  await t.step("an empty body", async () => {
    assert.equal((await readBody(new Response(""), 100))?.byteLength, 0);
    assert.equal((await readBody(new Response(null), 100))?.byteLength, 0);
  });
});

Deno.test("readBody refuses a body over the cap, and one exactly at it passes", async (t) => {
  for (const [name, make] of Object.entries(makers)) {
    await t.step(name, async () => {
      assert.equal(await readBody(make(1_000), bytes.length - 1), undefined);
      assert.equal((await readBody(make(1_000), bytes.length))?.byteLength, bytes.length);
    });
  }
  await t.step("a Content-Length over the cap: refused before reading", async () => {
    let pulled = 0;
    const body = new ReadableStream({
      pull(controller) {
        pulled++;
        controller.enqueue(bytes);
      },
    }, { highWaterMark: 0 });
    const res = new Response(body, { headers: { "content-length": "999999" } });
    assert.equal(await readBody(res, 1_000), undefined);
    assert.equal(pulled, 0);
  });
  await t.step("a gzip'd Content-Length is not the body's length", async () => {
    const res = chunked(1_000, { "content-length": "100", "content-encoding": "gzip" });
    assert.equal((await readBody(res, 1 << 20))?.byteLength, bytes.length);
  });
});

Deno.test("readBody stops at the cap when a hand-built Response's Content-Length lies", async () => {
  // An injected fetch or a wrapper may build a Response whose stated length
  // nothing holds it to: reading it whole would take every byte first.
  let pulled = 0;
  const chunk = new Uint8Array(1024 * 1024).fill(0x20);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= 48 * chunk.length) return controller.close();
      pulled += chunk.length;
      controller.enqueue(chunk.slice());
    },
  }, { highWaterMark: 0 });
  const res = new Response(body, { headers: { "content-length": "2" } });
  assert.equal(await readBody(res, 4096), undefined);
  assert.ok(pulled <= 2 * chunk.length, `read ${pulled} bytes for a 4096-byte cap`);
});
