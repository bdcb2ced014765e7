import assert from "node:assert/strict";
import { EsiRequestError } from "../../src/errors.ts";
import {
  findOperation,
  findOperationById,
  missingScopes,
  validateParams,
} from "../../src/http/validate.ts";
import type { OperationMeta } from "../../src/operation_meta.ts";
import { operations } from "../../src/spec/operations.gen.ts";
import type { EsiRequestParams } from "../../src/typed.ts";

const orders = operations["GET /markets/{region_id}/orders"];
const search = operations["GET /characters/{character_id}/search"];
const names = operations["POST /universe/names"];
const ids = operations["POST /universe/ids"];
const status = operations["GET /status"];
const projects = operations["GET /corporations/{corporation_id}/projects"];
const contacts = operations["POST /characters/{character_id}/contacts"];
const mailLabels = operations["POST /characters/{character_id}/mail/labels"];
const fleet = operations["PUT /fleets/{fleet_id}"];

/** Asserts that the call is refused with exactly this message. */
function refuses(meta: OperationMeta, params: unknown, message: string): void {
  assert.throws(
    () => validateParams(meta, params as EsiRequestParams),
    (err: unknown) => {
      assert.ok(err instanceof EsiRequestError, `expected EsiRequestError, got ${err}`);
      assert.equal(err.code, "ERR_INVALID_REQUEST");
      assert.equal(err.message, message);
      return true;
    },
  );
}

const good = { path: { region_id: 10000002 }, query: { order_type: "all" } };

Deno.test("valid calls pass", async (t) => {
  await t.step("a public route without parameters", () => {
    validateParams(status, undefined);
    validateParams(status, {});
  });
  await t.step("market orders with every parameter", () => {
    validateParams(orders, good);
    validateParams(orders, {
      path: { region_id: 10000002 },
      query: { order_type: "sell", type_id: 34, page: 3 },
      headers: { "X-Request-Tag": "x" },
    });
  });
  await t.step("an integer path parameter given as a string of digits", () => {
    validateParams(orders, { path: { region_id: "10000002" }, query: { order_type: "buy" } });
  });
  await t.step("an optional query parameter left undefined", () => {
    validateParams(orders, { ...good, query: { order_type: "all", type_id: undefined } });
  });
  await t.step("an array query parameter with enum items", () => {
    validateParams(search, {
      path: { character_id: 90000001 },
      query: { categories: ["agent", "solar_system"], search: "Jita", strict: true },
    });
  });
  await t.step("an integer array body within its bounds", () => {
    validateParams(names, { body: [30000142, 60003760] });
    validateParams(names, { body: Array.from({ length: 1000 }, (_, i) => i + 1) });
  });
  await t.step(
    "a string array body",
    () => validateParams(ids, { body: ["Jita", "CCP Zoetrope"] }),
  );
  await t.step("an object body", () => {
    validateParams(mailLabels, { path: { character_id: 1 }, body: { name: "x" } });
  });
  await t.step("a number query parameter and an integer array one", () => {
    validateParams(contacts, {
      path: { character_id: 1 },
      query: { standing: 5.5, label_ids: [1, 2] },
      body: [2112625428],
    });
  });
  await t.step("a bounded integer at its bounds", () => {
    validateParams(projects, { path: { corporation_id: 98000001 }, query: { limit: 10 } });
    validateParams(projects, { path: { corporation_id: 98000001 }, query: { limit: 100 } });
  });
});

Deno.test("missing parameters are refused, naming the parameter", async (t) => {
  await t.step("a path parameter", () => {
    refuses(
      orders,
      { query: { order_type: "all" } },
      'Cannot call "GET /markets/{region_id}/orders": path parameter "region_id" is missing',
    );
  });
  await t.step("a required query parameter", () => {
    refuses(
      orders,
      { path: { region_id: 1 }, query: { type_id: 34 } },
      'Cannot call "GET /markets/{region_id}/orders": query parameter "order_type" is missing',
    );
    refuses(
      orders,
      { path: { region_id: 1 } },
      'Cannot call "GET /markets/{region_id}/orders": query parameter "order_type" is missing',
    );
  });
  await t.step("a required body", () => {
    refuses(names, {}, 'Cannot call "POST /universe/names": the request body is missing');
  });
  await t.step("an explicit null path parameter", () => {
    refuses(
      orders,
      { path: { region_id: null }, query: { order_type: "all" } },
      'Cannot call "GET /markets/{region_id}/orders": path parameter "region_id" is missing',
    );
  });
});

Deno.test("unknown parameters are refused as typos", async (t) => {
  await t.step("a path parameter", () => {
    refuses(
      orders,
      { path: { region_id: 1, regionid: 2 }, query: { order_type: "all" } },
      'Cannot call "GET /markets/{region_id}/orders": unknown path parameter "regionid" (it takes "region_id")',
    );
  });
  await t.step("a path parameter on a route without any", () => {
    refuses(
      status,
      { path: { region_id: 1 } },
      'Cannot call "GET /status": unknown path parameter "region_id" (it takes none)',
    );
  });
  await t.step("a query parameter", () => {
    refuses(
      orders,
      { path: { region_id: 1 }, query: { order_type: "all", typeid: 34 } },
      'Cannot call "GET /markets/{region_id}/orders": unknown query parameter "typeid" (it takes "order_type", "page", "type_id")',
    );
  });
  await t.step("a body on an operation without one", () => {
    refuses(status, { body: {} }, 'Cannot call "GET /status": the operation takes no request body');
  });
});

Deno.test("wrong types are refused with the offending value quoted", async (t) => {
  await t.step("an enum", () => {
    refuses(
      orders,
      { path: { region_id: 1 }, query: { order_type: "both" } },
      'Cannot call "GET /markets/{region_id}/orders": query parameter "order_type" must be one of "buy", "sell", "all", got "both"',
    );
  });
  await t.step("a non-integer path parameter", () => {
    refuses(
      orders,
      { path: { region_id: 1.5 }, query: { order_type: "all" } },
      'Cannot call "GET /markets/{region_id}/orders": path parameter "region_id" must be an integer, got "1.5"',
    );
    refuses(
      orders,
      { path: { region_id: "10000002x" }, query: { order_type: "all" } },
      'Cannot call "GET /markets/{region_id}/orders": path parameter "region_id" must be an integer, got "10000002x"',
    );
    refuses(
      orders,
      { path: { region_id: Number.NaN }, query: { order_type: "all" } },
      'Cannot call "GET /markets/{region_id}/orders": path parameter "region_id" must be an integer, got "NaN"',
    );
  });
  await t.step("a query integer given as a string", () => {
    refuses(
      orders,
      { ...good, query: { order_type: "all", type_id: "34" } },
      'Cannot call "GET /markets/{region_id}/orders": query parameter "type_id" must be an integer, got "34"',
    );
  });
  await t.step("an int32 out of range", () => {
    refuses(
      orders,
      { ...good, query: { order_type: "all", page: 2 ** 31 } },
      'Cannot call "GET /markets/{region_id}/orders": query parameter "page" must be a 32-bit integer, got "2147483648"',
    );
  });
  await t.step("a number below its minimum or above its maximum", () => {
    refuses(
      orders,
      { ...good, query: { order_type: "all", page: 0 } },
      'Cannot call "GET /markets/{region_id}/orders": query parameter "page" must be at least 1, got "0"',
    );
    refuses(
      projects,
      { path: { corporation_id: 1 }, query: { limit: 101 } },
      'Cannot call "GET /corporations/{corporation_id}/projects": query parameter "limit" must be at most 100, got "101"',
    );
  });
  await t.step("a number that is not finite", () => {
    refuses(
      contacts,
      { path: { character_id: 1 }, query: { standing: Infinity }, body: [1] },
      'Cannot call "POST /characters/{character_id}/contacts": query parameter "standing" must be a finite number, got "Infinity"',
    );
  });
  await t.step("a boolean given as a string", () => {
    refuses(
      search,
      {
        path: { character_id: 1 },
        query: { categories: ["agent"], search: "Jita", strict: "yes" },
      },
      'Cannot call "GET /characters/{character_id}/search": query parameter "strict" must be true or false, got "yes"',
    );
  });
  await t.step("a string shorter than its minimum length", () => {
    refuses(
      search,
      { path: { character_id: 1 }, query: { categories: ["agent"], search: "Ji" } },
      'Cannot call "GET /characters/{character_id}/search": query parameter "search" must be at least 3 characters long, got "Ji"',
    );
  });
  await t.step("a string where a string is not given", () => {
    refuses(
      search,
      { path: { character_id: 1 }, query: { categories: ["agent"], search: 123 } },
      'Cannot call "GET /characters/{character_id}/search": query parameter "search" must be a string, got "123"',
    );
  });
});

Deno.test("arrays are checked: type, length, uniqueness and each item", async (t) => {
  const base = { path: { character_id: 1 } };
  await t.step("a scalar where an array is expected", () => {
    refuses(
      search,
      { ...base, query: { categories: "agent", search: "Jita" } },
      'Cannot call "GET /characters/{character_id}/search": query parameter "categories" must be an array, got "agent"',
    );
  });
  await t.step("an item outside the enum", () => {
    refuses(
      search,
      { ...base, query: { categories: ["agent", "ship"], search: "Jita" } },
      'Cannot call "GET /characters/{character_id}/search": query parameter "categories" item 1 must be one of "agent", "alliance", "character", "constellation", "corporation", "faction", "inventory_type", "region", "solar_system", "station", "structure", got "ship"',
    );
  });
  await t.step("too few items", () => {
    refuses(
      search,
      { ...base, query: { categories: [], search: "Jita" } },
      'Cannot call "GET /characters/{character_id}/search": query parameter "categories" must hold at least 1 item, got "0"',
    );
  });
  await t.step("a repeated item", () => {
    refuses(
      search,
      { ...base, query: { categories: ["agent", "agent"], search: "Jita" } },
      'Cannot call "GET /characters/{character_id}/search": query parameter "categories" must not repeat an item, got "agent"',
    );
  });
  await t.step("too many items", () => {
    refuses(
      contacts,
      { ...base, query: { label_ids: Array.from({ length: 64 }, (_, i) => i) }, body: [1] },
      'Cannot call "POST /characters/{character_id}/contacts": query parameter "label_ids" must hold at most 63 items, got "64"',
    );
  });
  await t.step("an item of the wrong type", () => {
    refuses(
      contacts,
      { ...base, query: { label_ids: [1, "2"] }, body: [1] },
      'Cannot call "POST /characters/{character_id}/contacts": query parameter "label_ids" item 1 must be an integer, got "2"',
    );
  });
});

Deno.test("bodies are checked: type, length and items", async (t) => {
  await t.step("an empty array body", () => {
    refuses(
      names,
      { body: [] },
      'Cannot call "POST /universe/names": the request body must hold at least 1 item, got "0"',
    );
  });
  await t.step("an array body over its maximum", () => {
    refuses(
      names,
      { body: Array.from({ length: 1001 }, (_, i) => i + 1) },
      'Cannot call "POST /universe/names": the request body must hold at most 1000 items, got "1001"',
    );
  });
  await t.step("an array body with a non-integer item", () => {
    refuses(
      names,
      { body: [30000142, "Jita"] },
      'Cannot call "POST /universe/names": the request body item 1 must be an integer, got "Jita"',
    );
  });
  await t.step("a repeated item where items must differ", () => {
    refuses(
      names,
      { body: [1, 2, 1] },
      'Cannot call "POST /universe/names": the request body must not repeat an item, got "1"',
    );
  });
  await t.step("an object where an array is expected", () => {
    refuses(
      names,
      { body: { ids: [1] } },
      'Cannot call "POST /universe/names": the request body must be an array, got "{"ids":[1]}"',
    );
  });
  await t.step("an array where an object is expected", () => {
    refuses(
      fleet,
      { path: { fleet_id: 1 }, body: [1] },
      'Cannot call "PUT /fleets/{fleet_id}": the request body must be an object, got "[1]"',
    );
  });
});

Deno.test("missingScopes names the scopes a token lacks", () => {
  const assets = operations["GET /characters/{character_id}/assets"];
  assert.deepEqual(missingScopes(assets, []), ["esi-assets.read_assets.v1"]);
  assert.deepEqual(missingScopes(assets, ["esi-skills.read_skills.v1"]), [
    "esi-assets.read_assets.v1",
  ]);
  assert.deepEqual(missingScopes(assets, ["esi-assets.read_assets.v1"]), []);
  assert.deepEqual(missingScopes(status, []), []);
});

Deno.test("findOperation finds by method and route, in any case", () => {
  assert.equal(findOperation("GET", "/markets/{region_id}/orders"), orders);
  assert.equal(findOperation("get", "/markets/{region_id}/orders"), orders);
  assert.equal(findOperation("POST", "/markets/{region_id}/orders"), undefined);
  assert.equal(findOperation("GET", "/markets/10000002/orders"), undefined);
  assert.equal(findOperation("GET", "constructor"), undefined);
});

Deno.test("findOperationById finds by operationId", () => {
  assert.equal(findOperationById("GetMarketsRegionIdOrders"), orders);
  assert.equal(findOperationById("NoSuchOperation"), undefined);
  assert.equal(findOperationById("toString"), undefined);
});

Deno.test("every operation of the table accepts a call built from its own metadata", () => {
  // A smoke test of the validator against the whole table: fill each required parameter with
  // a value of its declared type and expect no complaint.
  const sample = (type: string, values?: readonly (string | number)[]): unknown =>
    values?.[0] ??
      ({ integer: 1, number: 1.5, string: "abc", boolean: true, object: {} } as const)[
        type as "integer"
      ];
  for (const meta of Object.values(operations) as OperationMeta[]) {
    const params: {
      path: Record<string, unknown>;
      query: Record<string, unknown>;
      headers: Record<string, string>;
      body?: unknown;
    } = { path: {}, query: {}, headers: {} };
    for (const p of meta.parameters) {
      if (!p.required) continue;
      const value = p.type === "array"
        ? Array.from(
          { length: p.minItems ?? 1 },
          (_, i) => p.items?.enum?.[i] ?? (p.items?.type === "string" ? `s${i}` : i + 1),
        )
        : p.type === "integer" && p.minimum !== undefined
        ? p.minimum
        : sample(p.type, p.enum);
      if (p.in === "header") params.headers[p.name] = String(value);
      else params[p.in][p.name] = value;
    }
    if (meta.body?.required) {
      params.body = meta.body.type === "array"
        ? Array.from(
          { length: meta.body.minItems ?? 1 },
          (_, i) => meta.body?.items?.type === "string" ? `s${i}` : i + 1,
        )
        : {};
    }
    validateParams(meta, params as EsiRequestParams);
  }
});
