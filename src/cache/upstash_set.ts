/**
 * `SET key value PX ttl` over Upstash's REST API, its value's base64 written
 * straight into the request's bytes.
 *
 * Through `@upstash/redis`, a 230 KB entry became a 310 KB base64 string,
 * then a second one (the SDK's `JSON.stringify` of the command), then a
 * third copy as bytes for `fetch`: ~1 MB of garbage a write, which a walk
 * of 300 market pages piled up faster than it was collected. Here the body
 * is one buffer, sized once. Written by hand: the SDK takes values as
 * strings only. Its other commands (small) still go through the SDK.
 *
 * @module
 */

const ALPHABET = new TextEncoder().encode(
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
);
const PAD = 0x3d; // "="
const encoder = new TextEncoder();

/** Where and how the REST API is reached. */
export interface UpstashRest {
  /** The database's REST URL. */
  url: string;
  /** Its REST token. */
  token: string;
  /** A signal per request (the store's timeout). */
  signal: () => AbortSignal;
}

/**
 * Sends `SET key <base64 of value> PX px`.
 *
 * @param rest The URL, token and signal.
 * @param key The Redis key.
 * @param value The bytes, stored as base64 text.
 * @param px The TTL, in milliseconds.
 * @throws {Error} When Upstash answers with an error (the command is never in the message).
 */
export async function setBase64(
  rest: UpstashRest,
  key: string,
  value: Uint8Array,
  px: number,
): Promise<void> {
  const head = encoder.encode(`["SET",${JSON.stringify(key)},"`);
  const tail = encoder.encode(`","PX","${Math.ceil(px)}"]`);
  const body = new Uint8Array(head.length + base64Length(value.length) + tail.length);
  body.set(head);
  const end = encodeBase64Into(value, body, head.length);
  body.set(tail, end);
  const res = await fetch(rest.url, {
    method: "POST",
    headers: { authorization: `Bearer ${rest.token}`, "content-type": "application/json" },
    body,
    signal: rest.signal(),
  });
  const text = await res.text();
  let error: unknown;
  try {
    const answer = JSON.parse(text) as { error?: unknown };
    error = answer.error ?? (res.ok ? undefined : `status ${res.status}`);
  } catch {
    error = `status ${res.status}, an answer that is not JSON`;
  }
  if (error !== undefined) throw new Error(`Cannot SET a cache entry in Upstash: ${error}`);
}

/** The length of the padded base64 text of `n` bytes. */
export function base64Length(n: number): number {
  return 4 * Math.ceil(n / 3);
}

/**
 * Writes the padded base64 text of `bytes` into `out` at `at`.
 *
 * @returns The index after the last byte written.
 */
export function encodeBase64Into(bytes: Uint8Array, out: Uint8Array, at: number): number {
  const n = bytes.length;
  const whole = n - (n % 3);
  let o = at;
  for (let i = 0; i < whole; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[o++] = ALPHABET[v >>> 18];
    out[o++] = ALPHABET[(v >>> 12) & 63];
    out[o++] = ALPHABET[(v >>> 6) & 63];
    out[o++] = ALPHABET[v & 63];
  }
  if (n - whole === 1) {
    const v = bytes[whole] << 16;
    out[o++] = ALPHABET[v >>> 18];
    out[o++] = ALPHABET[(v >>> 12) & 63];
    out[o++] = PAD;
    out[o++] = PAD;
  } else if (n - whole === 2) {
    const v = (bytes[whole] << 16) | (bytes[whole + 1] << 8);
    out[o++] = ALPHABET[v >>> 18];
    out[o++] = ALPHABET[(v >>> 12) & 63];
    out[o++] = ALPHABET[(v >>> 6) & 63];
    out[o++] = PAD;
  }
  return o;
}
