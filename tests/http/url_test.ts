import assert from "node:assert/strict";
import { EsiRequestError } from "../../mod.ts";
import { buildQuery, fillPath, redactUrl } from "../../src/http/url.ts";

Deno.test("fillPath fills and URL-encodes path parameters", () => {
  assert.equal(
    fillPath("/markets/{region_id}/orders", { region_id: 10000002 }),
    "/markets/10000002/orders",
  );
  assert.equal(fillPath("/a/{x}", { x: "b/c d" }), "/a/b%2Fc%20d");
  assert.equal(fillPath("/status", undefined), "/status");
});

Deno.test("fillPath refuses missing, unknown, empty and non-finite parameters", async (t) => {
  const cases: [string, Record<string, string | number> | undefined, RegExp][] = [
    ["/markets/{region_id}/orders", undefined, /missing path parameter "region_id"/],
    ["/markets/{region_id}/orders", {}, /missing path parameter "region_id"/],
    [
      "/markets/{region_id}/orders",
      { region_id: 1, type_id: 2 },
      /unknown path parameter "type_id"/,
    ],
    ["/status", { region_id: 1 }, /unknown path parameter "region_id"/],
    ["/markets/{region_id}/orders", { region_id: NaN }, /must be a finite number, got "NaN"/],
    ["/markets/{region_id}/orders", { region_id: Infinity }, /got "Infinity"/],
    ["/markets/{region_id}/orders", { region_id: "" }, /must be a non-empty string or a number/],
  ];
  for (const [template, params, message] of cases) {
    await t.step(`${template} ${JSON.stringify(params)}`, () => {
      assert.throws(() => fillPath(template, params), (err: unknown) => {
        assert.ok(err instanceof EsiRequestError);
        assert.equal(err.code, "ERR_INVALID_REQUEST");
        assert.match(err.message, message);
        return true;
      });
    });
  }
});

Deno.test("buildQuery sorts keys, repeats arrays and leaves out undefined", () => {
  assert.equal(
    buildQuery({ type_id: 34, order_type: "all", page: undefined }),
    "?order_type=all&type_id=34",
  );
  assert.equal(
    buildQuery({ categories: ["agent", "region"] }),
    "?categories=agent&categories=region",
  );
  assert.equal(buildQuery({ search: "a&b=c" }), "?search=a%26b%3Dc");
  assert.equal(buildQuery({ strict: true }), "?strict=true");
  assert.equal(buildQuery({}), "");
  assert.equal(buildQuery(undefined), "");
});

Deno.test("buildQuery refuses non-finite numbers and objects", () => {
  assert.throws(
    () => buildQuery({ page: NaN }),
    /parameter "page" must be a finite number, got "NaN"/,
  );
  assert.throws(
    () => buildQuery({ page: {} as unknown as string }),
    /parameter "page" must be a string, number or boolean, got an object/,
  );
});

Deno.test("redactUrl hides secret query values and nothing else", () => {
  assert.equal(
    redactUrl("https://x.test/a?page=2&token=abc&code=zz&state=s1"),
    "https://x.test/a?page=2&token=<redacted>&code=<redacted>&state=<redacted>",
  );
  assert.equal(redactUrl("https://x.test/a?page=2"), "https://x.test/a?page=2");
});
