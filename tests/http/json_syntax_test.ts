/**
 * `jsonSyntaxError` accepts exactly what `JSON.parse` of the decoded bytes
 * accepts: checked on hand-picked cases and on thousands of mutated documents
 * (a seeded generator, so a failure can be replayed).
 */
import assert from "node:assert/strict";
import { jsonSyntaxError } from "../../src/http/json_syntax.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What the transport did before: decode, then `JSON.parse`. */
function parses(bytes: Uint8Array): boolean {
  try {
    JSON.parse(decoder.decode(bytes));
    return true;
  } catch {
    return false;
  }
}

function agrees(bytes: Uint8Array): void {
  const error = jsonSyntaxError(bytes);
  const shown = JSON.stringify(decoder.decode(bytes).slice(0, 200));
  assert.equal(error === undefined, parses(bytes), `${shown}: ${error ?? "accepted"}`);
}

const valid = [
  "0",
  "-0",
  "1.5e+10",
  "-12.25E-3",
  "1E2",
  '""',
  '"\\u00e9\\n\\t\\"\\\\\\/\\b\\f\\r"',
  '"é ☃ 😀"',
  "true",
  "false",
  "null",
  "[]",
  "{}",
  ' [ 1 , [ 2 , { } ] , { "a" : [ ] } ] ',
  '{"a":1,"b":{"c":[true,false,null]},"d":"x"}',
  "\t\r\n[1]\n",
  "\ufeff[1]", // a byte order mark: the decoder drops it
  '[{"order_id":1,"price":4.99,"is_buy_order":false,"issued":"2026-01-01T00:00:00Z"}]',
];

const invalid = [
  "",
  " ",
  "[",
  "]",
  "[1,]",
  "[,1]",
  "{,}",
  '{"a"}',
  '{"a":}',
  '{"a":1,}',
  "{a:1}",
  "{'a':1}",
  "[1 2]",
  "01",
  "-",
  "1.",
  ".5",
  "1e",
  "1e+",
  "+1",
  "0x10",
  "NaN",
  "Infinity",
  "tru",
  "nul",
  "True",
  '"abc',
  '"\\x41"',
  '"\\u12"',
  '"\\u12G4"',
  '"a\nb"',
  '"tab\there"',
  "[1] [2]",
  "[1]x",
  "\u00a0[1]", // a no-break space is not JSON's white space
  "[1]\u2028",
  "/* comment */ [1]",
  "[\ufeff1]",
];

Deno.test("jsonSyntaxError accepts what JSON.parse accepts", async (t) => {
  await t.step("valid documents", () => {
    for (const text of valid) {
      assert.equal(jsonSyntaxError(encoder.encode(text)), undefined, JSON.stringify(text));
      agrees(encoder.encode(text));
    }
  });
  await t.step("invalid documents", () => {
    for (const text of invalid) {
      assert.notEqual(jsonSyntaxError(encoder.encode(text)), undefined, JSON.stringify(text));
      agrees(encoder.encode(text));
    }
  });
  await t.step("invalid UTF-8 inside a string is accepted, outside refused", () => {
    agrees(new Uint8Array([0x22, 0xff, 0xfe, 0x22]));
    agrees(new Uint8Array([0x22, 0xe2, 0x22])); // a cut sequence does not swallow the quote
    agrees(new Uint8Array([0x5b, 0xff, 0x5d]));
  });
});

Deno.test("jsonSyntaxError says what is wrong and where", () => {
  assert.equal(jsonSyntaxError(encoder.encode("[1,]")), 'unexpected "]" at byte 3');
  assert.equal(jsonSyntaxError(encoder.encode('{"a":1')), "unexpected end at byte 6");
  assert.equal(jsonSyntaxError(encoder.encode('"a\nb"')), "unexpected byte 0x0a at byte 2");
  assert.match(jsonSyntaxError(encoder.encode("[".repeat(5_000)))!, /nested deeper than 1000/);
});

/** A small seeded generator (mulberry32): the same cases on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function document(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 5 : 7));
  switch (pick) {
    case 0:
      return Math.floor(next() * 2_000) - 1_000;
    case 1:
      return (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20);
    case 2:
      return ["", "a", 'q"uote', "back\\slash", "é☃😀", "\u0001\n\t"][Math.floor(next() * 6)];
    case 3:
      return [true, false, null][Math.floor(next() * 3)];
    case 4:
      return Math.floor(next() * 1e6);
    case 5:
      return Array.from({ length: Math.floor(next() * 4) }, () => document(next, depth + 1));
    default:
      return Object.fromEntries(
        Array.from(
          { length: Math.floor(next() * 4) },
          (_, i) => [`k${i}`, document(next, depth + 1)],
        ),
      );
  }
}

const noise = [...'{}[],:"\\-+.0123456789eEtrufalsn \t\n/x'].map((c) => c.charCodeAt(0))
  .concat([0x00, 0x1f, 0x7f, 0xa0, 0xc3, 0xff]);

Deno.test("jsonSyntaxError agrees with JSON.parse on 20,000 mutated documents", () => {
  const next = random(14);
  for (let n = 0; n < 20_000; n++) {
    const bytes = [...encoder.encode(JSON.stringify(document(next, 0), null, n % 3 ? 0 : 1))];
    for (let edits = Math.floor(next() * 3); edits > 0; edits--) {
      const at = Math.floor(next() * (bytes.length + 1));
      const byte = noise[Math.floor(next() * noise.length)];
      const how = Math.floor(next() * 3);
      if (how === 0) bytes.splice(at, 1);
      else if (how === 1) bytes.splice(at, 0, byte);
      else bytes[Math.min(at, bytes.length - 1)] = byte;
    }
    agrees(new Uint8Array(bytes));
  }
});
