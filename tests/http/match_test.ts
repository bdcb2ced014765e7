import assert from "node:assert/strict";
import { matchRoute } from "../../src/http/match.ts";
import { coerceQuery } from "../../src/http/query.ts";
import { validateParams } from "../../src/http/validate.ts";
import { operations } from "../../src/spec/operations.gen.ts";

Deno.test("matchRoute: concrete paths to the spec's operations", async (t) => {
  await t.step("parameters are decoded and named", () => {
    const found = matchRoute("GET", "/markets/10000002/orders");
    assert.ok(found && "operation" in found);
    assert.equal(found.operation.key, "GET /markets/{region_id}/orders");
    assert.deepEqual(found.params, { region_id: "10000002" });
  });
  await t.step("literal segments win over parameters", () => {
    const found = matchRoute("GET", "/characters/1/mail/labels");
    assert.ok(found && "operation" in found);
    assert.equal(found.operation.path, "/characters/{character_id}/mail/labels");
    const post = matchRoute("POST", "/universe/names");
    assert.ok(post && "operation" in post);
    assert.equal(post.operation.key, "POST /universe/names");
  });
  await t.step("HEAD finds the GET operation", () => {
    const found = matchRoute("HEAD", "/status");
    assert.ok(found && "operation" in found);
    assert.equal(found.operation.key, "GET /status");
  });
  await t.step("a wrong method lists the allowed ones", () => {
    assert.deepEqual(matchRoute("DELETE", "/status"), { template: "/status", allowed: ["GET"] });
  });
  await t.step("old-style, trailing-slash and unknown paths do not match", () => {
    assert.equal(matchRoute("GET", "/latest/status/"), undefined);
    assert.equal(matchRoute("GET", "/status/"), undefined);
    assert.equal(matchRoute("GET", "/nowhere"), undefined);
    assert.equal(matchRoute("GET", "status"), undefined);
    assert.equal(matchRoute("GET", "/markets//orders"), undefined);
  });
  await t.step("percent-encoded parameters are decoded; malformed ones kept", () => {
    const found = matchRoute("GET", "/characters/%31%32/assets");
    assert.ok(found && "operation" in found);
    assert.equal(found.params.character_id, "12");
    const bad = matchRoute("GET", "/characters/%zz/assets");
    assert.ok(bad && "operation" in bad);
    assert.equal(bad.params.character_id, "%zz");
  });
});

Deno.test("coerceQuery: text to the types the spec declares", () => {
  const op = operations["GET /markets/{region_id}/orders"];
  const query = coerceQuery(op, new URLSearchParams("order_type=all&page=2&type_id=34&x=a&x=b"));
  assert.deepEqual(query, { order_type: "all", page: 2, type_id: 34, x: ["a", "b"] });
  const mail = operations["GET /characters/{character_id}/mail"];
  assert.deepEqual(coerceQuery(mail, new URLSearchParams("labels=1,2&labels=3")), {
    labels: [1, 2, 3],
  });
  const names = operations["GET /universe/structures"];
  assert.deepEqual(coerceQuery(names, new URLSearchParams("filter=market")), { filter: "market" });
  // A repeated scalar stays a list, which validation refuses.
  const repeated = coerceQuery(op, new URLSearchParams("page=1&page=2"));
  assert.deepEqual(repeated.page, ["1", "2"]);
  assert.throws(() => validateParams(op, { path: { region_id: 1 }, query: repeated }));
  // Not a number: passed as text for validation to refuse with its message.
  const text = coerceQuery(op, new URLSearchParams("order_type=all&page=two"));
  assert.equal(text.page, "two");
  assert.throws(() => validateParams(op, { path: { region_id: 1 }, query: text }), /page/);
});
