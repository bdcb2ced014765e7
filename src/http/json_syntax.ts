/**
 * Checks that bytes are one JSON text, without decoding them or building
 * its values: what the transport checks for a raw caller (the gateway),
 * which passes ESI's bytes on and would drop a parse. `JSON.parse` of a
 * 230 KB market page builds ~1 MB of objects and a 230 KB string, each page,
 * only for them to be collected.
 *
 * Written by hand: the validators on npm parse (`is-json`, `jsonlint`), or
 * scan a decoded string leniently and allocate every token (`jsonc-parser`).
 * It accepts what `JSON.parse(new TextDecoder().decode(bytes))` accepts: the
 * grammar of RFC 8259, a leading byte order mark (the decoder drops it), and
 * any byte inside a string (the decoder replaces invalid UTF-8 there).
 *
 * @module
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const MINUS = 0x2d;

/** Bytes that may follow a backslash in a string (`u` is checked apart). */
const ESCAPES = new Set([...'"\\/bfnrt'].map((c) => c.charCodeAt(0)));
const LITERALS: Record<number, Uint8Array> = Object.fromEntries(
  ["true", "false", "null"].map((word) => [word.charCodeAt(0), new TextEncoder().encode(word)]),
);

/**
 * The deepest nesting accepted: ESI's answers nest a few levels; a body of
 * brackets alone must not grow the scanner's stack with it.
 */
const MAX_DEPTH = 1_000;

/** Thrown inside the scanner only; the export turns it into its answer. */
class Invalid extends Error {}

/**
 * Why bytes are not one JSON text, or `undefined` when they are.
 *
 * @param bytes The bytes (UTF-8).
 * @returns `undefined` for valid JSON; else what is wrong and where, e.g.
 *   `unexpected "}" at byte 12`.
 */
export function jsonSyntaxError(bytes: Uint8Array): string | undefined {
  try {
    scan(bytes);
    return undefined;
  } catch (error) {
    if (error instanceof Invalid) return error.message;
    throw error;
  }
}

function scan(b: Uint8Array): void {
  const n = b.length;
  // A leading byte order mark, as TextDecoder drops it.
  let i = n >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  // The open containers, innermost last.
  const open: number[] = [];
  for (;;) {
    // A value starts here.
    i = space(b, i);
    const c = b[i];
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const close = c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
      i = space(b, i + 1);
      if (b[i] === close) {
        i++;
      } else {
        if (open.push(c) > MAX_DEPTH) {
          throw new Invalid(`nested deeper than ${MAX_DEPTH} at byte ${i}`);
        }
        if (c === OPEN_OBJECT) i = key(b, i);
        continue;
      }
    } else if (c === QUOTE) {
      i = string(b, i);
    } else if (c === MINUS || isDigit(c)) {
      i = number(b, i);
    } else if (LITERALS[c] !== undefined) {
      i = literal(b, i, LITERALS[c]);
    } else {
      throw unexpected(b, i);
    }
    // After a value: close what ends here, up to a comma or the end.
    for (;;) {
      i = space(b, i);
      if (!open.length) {
        if (i < n) throw unexpected(b, i);
        return;
      }
      const container = open[open.length - 1];
      if (b[i] === COMMA) {
        i++;
        if (container === OPEN_OBJECT) i = key(b, space(b, i));
        break;
      }
      if (b[i] !== (container === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY)) {
        throw unexpected(b, i);
      }
      open.pop();
      i++;
    }
  }
}

/** A member's key and its colon; the index after the colon. */
function key(b: Uint8Array, i: number): number {
  if (b[i] !== QUOTE) throw unexpected(b, i);
  i = space(b, string(b, i));
  if (b[i] !== COLON) throw unexpected(b, i);
  return i + 1;
}

function space(b: Uint8Array, i: number): number {
  for (const n = b.length; i < n; i++) {
    const c = b[i];
    // Most tokens follow each other with no space: one comparison.
    if (c > 0x20 || (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09)) return i;
  }
  return i;
}

/** A string from its opening quote; the index after its closing one. */
function string(b: Uint8Array, i: number): number {
  const n = b.length;
  for (i++; i < n; i++) {
    const c = b[i];
    if (c === QUOTE) return i + 1;
    if (c < 0x20) throw unexpected(b, i);
    if (c !== BACKSLASH) continue;
    const e = b[++i];
    if (e === 0x75) { // \uXXXX
      for (let k = 1; k <= 4; k++) if (!isHex(b[i + k])) throw unexpected(b, i + k);
      i += 4;
    } else if (!ESCAPES.has(e)) {
      throw unexpected(b, i);
    }
  }
  throw unexpected(b, n);
}

/** `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; the index after it. */
function number(b: Uint8Array, i: number): number {
  if (b[i] === MINUS) i++;
  if (b[i] === 0x30) i++;
  else i = digits(b, i);
  if (b[i] === 0x2e) i = digits(b, i + 1);
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++;
    if (b[i] === 0x2b || b[i] === MINUS) i++;
    i = digits(b, i);
  }
  return i;
}

/** One digit or more; the index after them. */
function digits(b: Uint8Array, i: number): number {
  if (!isDigit(b[i])) throw unexpected(b, i);
  while (isDigit(b[i])) i++;
  return i;
}

function literal(b: Uint8Array, i: number, word: Uint8Array): number {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) throw unexpected(b, i + k);
  return i + word.length;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

function isHex(c: number | undefined): boolean {
  return c !== undefined &&
    ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
}

function unexpected(b: Uint8Array, i: number): Invalid {
  if (i >= b.length) return new Invalid(`unexpected end at byte ${i}`);
  const c = b[i];
  const shown = c >= 0x20 && c < 0x7f ? `"${String.fromCharCode(c)}"` : `byte 0x${hex(c)}`;
  return new Invalid(`unexpected ${shown} at byte ${i}`);
}

function hex(c: number): string {
  return c.toString(16).padStart(2, "0");
}
