/**
 * `GET` over Upstash's REST API, the reads of one tick sent as one
 * `/pipeline` request, each value's base64 decoded straight from the
 * answer's bytes.
 *
 * Through `@upstash/redis` a stored 230 KB market page came back as the
 * answer's text, then a second string (`JSON.parse` of it), then its bytes:
 * ~900 KB of garbage a read, and a walk of 300 pages served from Upstash
 * grew the gateway by ~100 MiB. Here the answer is read as bytes (one
 * buffer) and each value decoded from it into one buffer of its own.
 * Written by hand: the SDK hands values over as strings only.
 *
 * @module
 */

import { readBody } from "../http/read_body.ts";
import type { UpstashRest } from "./upstash_set.ts";

/** The largest pipeline answer read (Upstash's own cap on a request is 10 MB a value). */
const MAX_ANSWER_BYTES = 256 * 1024 * 1024;

const decoder = new TextDecoder();
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const PAD = 0x3d;
/** A base64 character's value, or -1. */
const VALUES = new Int8Array(256).fill(-1);
[..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"].forEach((c, i) =>
  VALUES[c.charCodeAt(0)] = i
);

interface Pending {
  key: string;
  resolve: (value: Uint8Array | null | undefined) => void;
  reject: (error: unknown) => void;
}

/** Reads keys, the reads of one tick in one round trip. */
export class UpstashReader {
  readonly #rest: UpstashRest;
  #pending: Pending[] = [];

  /**
   * @param rest The URL, token and signal.
   */
  constructor(rest: UpstashRest) {
    this.#rest = rest;
  }

  /**
   * `GET key`, its value taken as base64 and decoded.
   *
   * @param key The Redis key.
   * @returns The bytes; `null` when there is no such key; `undefined` when
   *   the value is not base64.
   */
  get(key: string): Promise<Uint8Array | null | undefined> {
    return new Promise((resolve, reject) => {
      if (this.#pending.push({ key, resolve, reject }) === 1) queueMicrotask(() => this.#send());
    });
  }

  async #send(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    try {
      const res = await fetch(`${this.#rest.url}/pipeline`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${this.#rest.token}`,
          "content-type": "application/json",
        },
        body: JSON.stringify(batch.map(({ key }) => ["GET", key])),
        signal: this.#rest.signal(),
      });
      const bytes = await readBody(res, MAX_ANSWER_BYTES);
      if (!res.ok || !bytes) throw new Error(`status ${res.status}`);
      const values = readPipeline(bytes, batch.length);
      batch.forEach((read, i) => {
        const value = values[i];
        if (value instanceof Error) read.reject(value);
        else read.resolve(value);
      });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      const failure = new Error(`Cannot GET cache entries from Upstash: ${why}`, { cause: error });
      for (const read of batch) read.reject(failure);
    }
  }
}

/**
 * The values of a pipeline answer, `[{"result":"…"}|{"result":null}|{"error":"…"}, …]`:
 * a result's base64 decoded, `null` for none, an `Error` for an error.
 * Anything else throws.
 */
export function readPipeline(
  b: Uint8Array,
  count: number,
): (Uint8Array | null | undefined | Error)[] {
  const out: (Uint8Array | null | undefined | Error)[] = [];
  let i = expect(b, space(b, 0), "[");
  while (out.length < count) {
    if (out.length) i = expect(b, space(b, i), ",");
    i = expect(b, space(b, i), "{");
    const [name, afterName] = string(b, space(b, i));
    i = expect(b, space(b, afterName), ":");
    i = space(b, i);
    if (b[i] === QUOTE) {
      const [start, end, escaped] = stringSpan(b, i);
      if (name === "error") out.push(new Error(JSON.parse(decoder.decode(b.subarray(i, end)))));
      else out.push(escaped ? undefined : decodeBase64(b.subarray(start, end - 1)));
      i = end;
    } else if (decoder.decode(b.subarray(i, i + 4)) === "null") {
      out.push(name === "error" ? new Error("an error without a message") : null);
      i += 4;
    } else {
      throw new Error(`an answer that is not a pipeline of GETs (at byte ${i})`);
    }
    i = expect(b, space(b, i), "}");
  }
  expect(b, space(b, i), "]");
  return out;
}

/**
 * Decodes padded base64 from bytes.
 *
 * @returns The bytes, or `undefined` when they are not padded base64.
 */
export function decodeBase64(text: Uint8Array): Uint8Array | undefined {
  const n = text.length;
  if (n % 4) return undefined;
  const pad = n && text[n - 1] === PAD ? (text[n - 2] === PAD ? 2 : 1) : 0;
  const out = new Uint8Array((n / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < n; i += 4) {
    const last = i + 4 === n;
    const a = VALUES[text[i]], b = VALUES[text[i + 1]];
    const c = last && pad === 2 ? 0 : VALUES[text[i + 2]];
    const d = last && pad >= 1 ? 0 : VALUES[text[i + 3]];
    if ((a | b | c | d) < 0) return undefined;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = v >>> 16;
    if (o < out.length) out[o++] = (v >>> 8) & 255;
    if (o < out.length) out[o++] = v & 255;
  }
  return out;
}

function space(b: Uint8Array, i: number): number {
  while (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09) i++;
  return i;
}

function expect(b: Uint8Array, i: number, char: string): number {
  if (b[i] !== char.charCodeAt(0)) {
    throw new Error(`an answer that is not a pipeline of GETs (at byte ${i})`);
  }
  return i + 1;
}

/** A string's content start, the index after its closing quote, and whether it has escapes. */
function stringSpan(b: Uint8Array, i: number): [number, number, boolean] {
  let escaped = false;
  for (let j = i + 1; j < b.length; j++) {
    if (b[j] === BACKSLASH) {
      escaped = true;
      j++;
    } else if (b[j] === QUOTE) {
      return [i + 1, j + 1, escaped];
    }
  }
  throw new Error("an answer that is not a pipeline of GETs (a string is not closed)");
}

/** A short string (a member name), decoded, and the index after it. */
function string(b: Uint8Array, i: number): [string, number] {
  if (b[i] !== QUOTE) throw new Error(`an answer that is not a pipeline of GETs (at byte ${i})`);
  const [, end] = stringSpan(b, i);
  return [JSON.parse(decoder.decode(b.subarray(i, end))), end];
}
