// Type tests: `deno check tests/typed_test.ts` proves them. Each `@ts-expect-error` line must
// fail to compile, so a helper that grew too loose breaks the check.
import assert from "node:assert/strict";
import type {
  EsiArgs,
  EsiData,
  EsiDataById,
  EsiParams,
  EsiParamsById,
  EsiPath,
  EsiRequestParams,
} from "../src/typed.ts";
import type { EsiOperationId } from "../src/spec/operations.gen.ts";
import { operationKeysById, operations } from "../src/spec/operations.gen.ts";

/** Compiles only when `A` and `B` are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
function expectType<T extends true>(): T | undefined {
  return undefined;
}

/** A stand-in for the client's typed `get`: the signature the lead wires in. */
function get<P extends EsiPath<"get">>(path: P, ..._args: EsiArgs<"get", P>): P {
  return path;
}
function post<P extends EsiPath<"post">>(path: P, ..._args: EsiArgs<"post", P>): P {
  return path;
}

type Orders = "/markets/{region_id}/orders";

// Positive cases.
get("/status");
get("/markets/{region_id}/orders", { path: { region_id: 10000002 }, query: { order_type: "all" } });
get("/markets/{region_id}/orders", {
  path: { region_id: 10000002 },
  query: { order_type: "sell", type_id: 34, page: 2 },
  headers: { "X-Request-Tag": "t" },
});
get("/characters/{character_id}/search", {
  path: { character_id: 90000001 },
  query: { categories: ["agent", "solar_system"], search: "Jita" },
});
post("/universe/names", { body: [30000142, 60003760] });
expectType<Equal<EsiData<"get", Orders>[number]["price"], number>>();
expectType<Equal<EsiData<"get", Orders>[number]["is_buy_order"], boolean>>();
expectType<Equal<EsiData<"get", "/status">["players"], number>>();
expectType<
  Equal<EsiData<"delete", "/characters/{character_id}/fittings/{fitting_id}">, undefined>
>();
expectType<Equal<EsiDataById<"GetStatus">, EsiData<"get", "/status">>>();
expectType<Equal<EsiParamsById<"GetMarketsRegionIdOrders">, EsiParams<"get", Orders>>>();
expectType<Equal<"GetMarketsRegionIdOrders" extends EsiOperationId ? true : false, true>>();
expectType<Equal<Orders extends EsiPath<"get"> ? true : false, true>>();
expectType<Equal<"/universe/names" extends EsiPath<"get"> ? true : false, false>>();
// Every typed params shape fits what the client accepts at runtime.
type Fits<M extends "get" | "post" | "put" | "delete"> = {
  [P in EsiPath<M>]: EsiParams<M, P> extends EsiRequestParams ? never : P;
}[EsiPath<M>];
expectType<Equal<Fits<"get"> | Fits<"post"> | Fits<"put"> | Fits<"delete">, never>>();
// The headers the client sets are never asked of the caller.
expectType<Equal<undefined extends EsiParams<"get", "/status">["headers"] ? true : false, true>>();

// Negative cases: each must be a compile-time error. Each fits on one line, so that the
// directive covers the whole statement.
type Search = EsiParams<"get", "/characters/{character_id}/search">;
const all = { order_type: "all" } as const;
// @ts-expect-error misspelled path
get("/markets/{region_id}/order", { path: { region_id: 1 }, query: all });
// @ts-expect-error missing path parameter region_id
get("/markets/{region_id}/orders", { path: {}, query: all });
// @ts-expect-error missing path section altogether
get("/markets/{region_id}/orders", { query: all });
// @ts-expect-error region_id as a string where an integer is expected
get("/markets/{region_id}/orders", { path: { region_id: "10000002" }, query: all });
// @ts-expect-error order_type outside its enum
get("/markets/{region_id}/orders", { path: { region_id: 1 }, query: { order_type: "both" } });
// @ts-expect-error missing required query parameter order_type
get("/markets/{region_id}/orders", { path: { region_id: 1 }, query: { type_id: 34 } });
// @ts-expect-error missing params where some are required
get("/markets/{region_id}/orders");
// @ts-expect-error unknown query parameter
const typo: EsiParams<"get", Orders> = { path: { region_id: 1 }, query: { ...all, typeid: 3 } };
// @ts-expect-error path parameters on a route that has none
get("/status", { path: { region_id: 1 } });
// @ts-expect-error wrong enum item in an array query parameter
const ship: Search = { path: { character_id: 1 }, query: { categories: ["ship"], search: "x" } };
// @ts-expect-error a body of strings where integers are expected
post("/universe/names", { body: ["Jita"] });
// @ts-expect-error missing required body
post("/universe/names", {});
// @ts-expect-error a GET-only path used with POST
post("/status", {});
void [typo, ship]; // only their types are under test

Deno.test("every operationId maps to an operation in the table", () => {
  const keys = Object.values(operationKeysById);
  assert.equal(keys.length, Object.keys(operations).length);
  for (const [id, key] of Object.entries(operationKeysById)) {
    assert.equal(operations[key].operationId, id);
  }
});
