import assert from "node:assert/strict";
import type { OperationMeta } from "../../src/operation_meta.ts";
import {
  operationKeysById,
  operations,
  specCompatibilityDate,
} from "../../src/spec/operations.gen.ts";
import { esiRoles, esiScopes } from "../../src/spec/scopes.gen.ts";
import {
  operationMetas,
  renderOperations,
  renderPaths,
  renderScopes,
} from "../../src/spec/generate.ts";

const specUrl = new URL("../../spec/openapi.json", import.meta.url);
// deno-lint-ignore no-explicit-any
const spec: any = JSON.parse(await Deno.readTextFile(specUrl));
const table = operations as Readonly<Record<string, OperationMeta>>;
const all = Object.values(table);

function specKeys(): string[] {
  const keys: string[] = [];
  for (const [path, item] of Object.entries(spec.paths as Record<string, object>)) {
    for (const method of Object.keys(item)) {
      if (["get", "post", "put", "delete"].includes(method)) {
        keys.push(`${method.toUpperCase()} ${path}`);
      }
    }
  }
  return keys.sort();
}

Deno.test("every operation of the spec is in the table, and nothing else", () => {
  const keys = specKeys();
  assert.equal(keys.length, 219);
  assert.deepEqual(Object.keys(table).sort(), keys);
  for (const [key, meta] of Object.entries(table)) {
    assert.equal(meta.key, key);
    assert.equal(`${meta.method} ${meta.path}`, key);
    const op = spec.paths[meta.path][meta.method.toLowerCase()];
    assert.equal(meta.operationId, op.operationId);
    assert.equal(meta.compatibilityDate, op["x-compatibility-date"]);
  }
  assert.equal(Object.keys(operationKeysById).length, 219);
});

Deno.test("the spec's compatibility date is carried", () => {
  assert.equal(specCompatibilityDate, "2026-07-17");
  assert.equal(specCompatibilityDate, spec.info.version);
});

Deno.test("market orders: X-Pages, group market-order, 12000 per 15 minutes, cached 300 s", () => {
  const meta = table["GET /markets/{region_id}/orders"];
  assert.equal(meta.pagination, "x-pages");
  assert.deepEqual(meta.rateLimit, { group: "market-order", maxTokens: 12000, windowMs: 900_000 });
  assert.equal(meta.cacheAge, 300);
  assert.deepEqual(meta.scopes, []);
  assert.deepEqual(
    meta.parameters.map((p) => [p.in, p.name, p.required]),
    [
      ["path", "region_id", true],
      ["query", "order_type", true],
      ["query", "page", false],
      ["query", "type_id", false],
    ],
  );
  assert.deepEqual(meta.parameters[1].enum, ["buy", "sell", "all"]);
});

Deno.test("character assets need esi-assets.read_assets.v1 and are X-Pages", () => {
  const meta = table["GET /characters/{character_id}/assets"];
  assert.deepEqual(meta.scopes, ["esi-assets.read_assets.v1"]);
  assert.equal(meta.pagination, "x-pages");
});

Deno.test("corporation projects are cursor-paginated", () => {
  const meta = table["GET /corporations/{corporation_id}/projects"];
  assert.equal(meta.pagination, "cursor");
  assert.deepEqual(
    meta.parameters.filter((p) => p.in === "query").map((p) => p.name),
    ["after", "before", "limit", "state"],
  );
  assert.equal(all.filter((m) => m.pagination === "cursor").length, 5);
});

Deno.test("corporation assets require the Director role", () => {
  const meta = table["GET /corporations/{corporation_id}/assets"];
  assert.deepEqual(meta.roles, ["Director"]);
  assert.deepEqual(meta.scopes, ["esi-assets.read_corporation_assets.v1"]);
});

Deno.test("wallet transactions are from_id-paginated", () => {
  assert.equal(table["GET /characters/{character_id}/wallet/transactions"].pagination, "from_id");
  assert.equal(
    table["GET /corporations/{corporation_id}/wallets/{division}/transactions"].pagination,
    "from_id",
  );
  assert.equal(all.filter((m) => m.pagination === "from_id").length, 2);
});

Deno.test("pagination and rate limits match the spec's counts", () => {
  assert.equal(all.filter((m) => m.pagination === "x-pages").length, 40);
  assert.equal(all.filter((m) => m.rateLimit).length, 157);
  assert.equal(table["GET /universe/types/{type_id}"].rateLimit, undefined);
  assert.equal(table["GET /markets/{region_id}/history"].rateLimit, undefined);
  const notifications = table["GET /characters/{character_id}/notifications"];
  assert.equal(notifications.rateLimit?.maxTokens, 15);
});

Deno.test("the headers the client sets are left out of the parameters", () => {
  const common = [
    "accept-language",
    "if-none-match",
    "x-compatibility-date",
    "x-tenant",
    "if-modified-since",
  ];
  for (const meta of all) {
    for (const p of meta.parameters) assert.ok(!common.includes(p.name.toLowerCase()), meta.key);
  }
});

Deno.test("array bodies carry their item type and bounds", () => {
  assert.deepEqual(table["POST /universe/names"].body, {
    required: true,
    type: "array",
    items: { type: "integer" },
    minItems: 1,
    maxItems: 1000,
    uniqueItems: true,
  });
  assert.equal(
    table["POST /route/{origin_system_id}/{destination_system_id}"].body?.type,
    "object",
  );
});

Deno.test("70 scopes and every role the operations name", () => {
  assert.equal(esiScopes.length, 70);
  assert.deepEqual(
    [...esiScopes].sort(),
    Object.keys(spec.components.securitySchemes.OAuth2.flows.authorizationCode.scopes).sort(),
  );
  for (const meta of all) {
    for (const scope of meta.scopes) assert.ok(esiScopes.includes(scope as never), scope);
    for (const role of meta.roles) assert.ok(esiRoles.includes(role as never), role);
  }
  assert.ok(esiRoles.includes("Director"));
});

Deno.test("the committed generated files are what the generator writes", async () => {
  const metas = operationMetas(spec);
  const date = spec.info.version;
  const read = (name: string) =>
    Deno.readTextFile(new URL(`../../src/spec/${name}`, import.meta.url));
  assert.equal(renderOperations(metas, date), await read("operations.gen.ts"));
  assert.equal(renderScopes(spec, metas, date), await read("scopes.gen.ts"));
  assert.equal(await renderPaths(spec, metas, date), await read("paths.gen.ts"));
  const first = "// Generated by src/spec/generate.ts from ESI's OpenAPI spec " +
    "(compatibility date 2026-07-17). Do not edit.\n";
  for (const name of ["operations.gen.ts", "scopes.gen.ts", "paths.gen.ts"]) {
    assert.ok((await read(name)).startsWith(first), name);
  }
});
