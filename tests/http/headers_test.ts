import assert from "node:assert/strict";
import { EsiRequestError } from "../../mod.ts";
import { assertValidHeaders } from "../../src/http/headers.ts";

Deno.test("assertValidHeaders accepts ordinary headers", () => {
  assertValidHeaders({ "X-Tenant": "tranquility", "If-None-Match": '"abc"' });
});

Deno.test("assertValidHeaders refuses bad names and values, hiding secret values", () => {
  assert.throws(
    () => assertValidHeaders({ "Bad Name": "x" }),
    /header "Bad Name": the name is not a valid token/,
  );
  assert.throws(() => assertValidHeaders({ "X-A": "a\r\nX-B: b" }), (err: unknown) => {
    assert.ok(err instanceof EsiRequestError);
    assert.match(err.message, /header "X-A": the value "a\\r\\nX-B: b"/);
    return true;
  });
  assert.throws(() => assertValidHeaders({ Authorization: "Bearer x\n" }), (err: unknown) => {
    assert.ok(err instanceof Error);
    assert.match(err.message, /<redacted>/);
    assert.doesNotMatch(err.message, /Bearer/);
    return true;
  });
});
