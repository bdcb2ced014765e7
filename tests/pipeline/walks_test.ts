/**
 * Walks waste nothing: pages fetched ahead are cancelled when a walk fails,
 * and pages already fetched are not asked for again by the next walk.
 */
import assert from "node:assert/strict";
import { EsiClient, EsiPaginationError } from "../../mod.ts";
import { withEsi } from "../support/esi.ts";
import { until } from "../support/until.ts";
import { json, untilAbandoned, withUpstream } from "../support/upstream.ts";

const route = "/markets/{region_id}/orders";
const args = { path: { region_id: 10000002 }, query: { order_type: "all" as const } };

Deno.test("pages fetched ahead are cancelled when all() fails", () => {
  const abandoned = { count: 0 };
  return withUpstream(
    (req) => {
      const page = Number(new URL(req.url).searchParams.get("page") ?? 1);
      if (page === 1) {
        return json([1], {
          "x-pages": "8",
          "cache-control": "max-age=300",
          "x-ratelimit-group": "market-order",
          "x-ratelimit-limit": "12000/15m",
        });
      }
      if (page === 2) return json({ error: "Not found" }, {}, 404);
      return untilAbandoned(req, abandoned); // only the client's abort ends the other pages
    },
    async (upstream) => {
      const esi = new EsiClient({ userAgent: "t", baseUrl: upstream.url });
      await assert.rejects(esi.all(route, args), EsiPaginationError);
      await until(() => abandoned.count === 6, "the six pages fetched ahead to be cancelled");
      assert.equal(upstream.requests.length, 8);
    },
  );
});

Deno.test("an all() after a failed pages() asks again only for what was not answered", () =>
  withEsi(async ({ sim, esi }) => {
    // Page 3 fails while pages 4 to 30 are slow: the walk ends with them in flight.
    const slow = Array.from({ length: 27 }, (_, i) => i + 4);
    sim.fault(`GET ${route}`, { statuses: [404], page: 3, times: 1 });
    sim.fault(`GET ${route}`, { latencyMs: 60_000, page: slow });
    await assert.rejects(async () => {
      for await (const _ of esi.pages(route, args)) { /* the walk fails at page 3 */ }
    }, EsiPaginationError);
    sim.clearFaults();
    const answered = new Set(
      sim.requests.filter((r) => r.status === 200).map((r) => r.query.page ?? "1"),
    );
    const before = sim.requests.length;
    assert.equal((await esi.all(route, args)).length, 60);
    const again = sim.requests.slice(before).map((r) => r.query.page ?? "1");
    assert.deepEqual(
      again.filter((page) => answered.has(page)),
      [],
      "no answered page asked again",
    );
  }, { sim: { data: { marketPages: 30, ordersPerPage: 2 } } }));
