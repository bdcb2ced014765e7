/**
 * Reads a response body into one buffer of its own size, under a cap.
 *
 * Read chunk by chunk, a body costs far more than its bytes: each chunk
 * `fetch` hands over owns a 64 KiB buffer (Deno), a gzip'd answer comes in
 * 4 KiB chunks, so a 230 KB market page passed through ~3.5 MB of buffers,
 * and a small answer kept as its one chunk held 64 KiB in the cache. Here the
 * bytes are read (BYOB) straight into a buffer sized by `Content-Length` when
 * the body is not content-encoded, grown by doubling otherwise, and trimmed
 * to size: one buffer per body, holding the body only.
 *
 * @module
 */

/** The first buffer when the length is not known in advance. */
const FIRST_BYTES = 16 * 1024;
/** What a body may keep beyond its bytes before it is copied into a buffer of its own size. */
const MAX_SLACK_BYTES = 64;

/**
 * Reads a response body up to `max` bytes; past it the stream is cancelled
 * (which closes the connection) and the answer is `undefined`.
 *
 * @param response The response.
 * @param max The most bytes accepted.
 * @returns The body, in a buffer of (about) its own size; or `undefined` when it is larger than `max`.
 */
export async function readBody(response: Response, max: number): Promise<Uint8Array | undefined> {
  const exact = knownLength(response);
  if (exact !== undefined && exact > max) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.body) return new Uint8Array(0);
  // Room for one byte past the cap (or past the announced length): a read
  // that fills it tells a body too large from one that ends there.
  const limit = max + 1;
  let buffer = new Uint8Array(Math.min(limit, (exact ?? FIRST_BYTES - 1) + 1));
  let size = 0;
  const byob = byobReader(response.body);
  const reader = byob ?? response.body.getReader();
  let pending: Uint8Array | undefined; // a default reader's chunk not yet copied whole
  try {
    for (;;) {
      if (size === buffer.length) {
        if (size === limit) {
          await reader.cancel();
          return undefined;
        }
        buffer = grown(buffer, Math.min(limit, size * 2));
      }
      if (byob) {
        // The read takes the buffer and gives it back in its answer.
        const { done, value } = await byob.read(buffer.subarray(size));
        if (value) buffer = new Uint8Array(value.buffer);
        if (done) break;
        size += value.byteLength;
      } else {
        if (!pending) {
          const { done, value } = await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
          if (done) break;
          pending = value;
        }
        const n = Math.min(pending.byteLength, buffer.length - size);
        buffer.set(pending.subarray(0, n), size);
        size += n;
        pending = n < pending.byteLength ? pending.subarray(n) : undefined;
      }
    }
  } finally {
    reader.releaseLock();
  }
  if (buffer.length - size <= MAX_SLACK_BYTES) return buffer.subarray(0, size);
  return buffer.slice(0, size);
}

/** The body's length when the headers state it: `Content-Length` of a body not content-encoded. */
function knownLength(response: Response): number | undefined {
  const length = response.headers.get("content-length");
  if (length === null || !/^\d+$/.test(length.trim())) return undefined;
  // `fetch` decodes gzip and br: Content-Length then counts the encoded bytes.
  const encoding = response.headers.get("content-encoding");
  if (encoding !== null && encoding.trim().toLowerCase() !== "identity") return undefined;
  return Number(length);
}

/** A BYOB reader, when the runtime's body is a byte stream (Deno, Workers, Node, browsers). */
function byobReader(body: ReadableStream<Uint8Array>): ReadableStreamBYOBReader | undefined {
  try {
    return body.getReader({ mode: "byob" });
  } catch {
    return undefined; // a stream of chunks: they are copied in
  }
}

function grown(buffer: Uint8Array, length: number): Uint8Array<ArrayBuffer> {
  const bigger = new Uint8Array(length);
  bigger.set(buffer);
  return bigger;
}
