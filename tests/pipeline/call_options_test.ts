/**
 * What a caller controls per call: its own validators (a bare 304), the raw
 * modes' types, and an abort that reaches the upstream connection.
 */
import assert from "node:assert/strict";
import { EsiAbortError, EsiClient } from "../../mod.ts";
import { withEsi } from "../support/esi.ts";
import { until } from "../support/until.ts";
import { untilAbandoned, withUpstream } from "../support/upstream.ts";

Deno.test("a caller's own ETag is sent, and a 304 comes back bare, cache left out", () =>
  withEsi(async ({ sim, esi }) => {
    const first = await esi.request("GET", "/status");
    const etag = first.meta.etag!;
    const own = new EsiClient({ userAgent: "t", baseUrl: sim.url, clock: esi.clock, cache: false });
    const res = await own.request("GET", "/status", { ifNoneMatch: etag });
    assert.equal(res.status, 304);
    assert.equal(res.data, undefined);
    assert.equal(sim.requests.at(-1)?.headers["if-none-match"], etag);
    // With the cache on, the caller's validator still gets its own bare 304.
    const cached = await esi.request("GET", "/status", { ifNoneMatch: etag });
    assert.equal(cached.status, 304);
  }));

Deno.test("raw modes are typed as what they return", () =>
  withEsi(async ({ esi }) => {
    const text: string = await esi.get("/status", { raw: "text" });
    const bytes: Uint8Array = await esi.get("/status", { raw: "bytes" });
    // @ts-expect-error: raw text has no players
    assert.equal(text.players, undefined);
    assert.equal(JSON.parse(new TextDecoder().decode(bytes)).players, JSON.parse(text).players);
    const res = await esi.request("GET", "/status", { raw: "text" });
    assert.equal(typeof res.data, "string");
  }));

Deno.test("an abort closes the upstream connection when no one else waits for it", () => {
  const abandoned = { count: 0 };
  return withUpstream(
    (req) => untilAbandoned(req, abandoned),
    async (upstream) => {
      const esi = new EsiClient({ userAgent: "t", baseUrl: upstream.url });
      const stop = new AbortController();
      const call = esi.get("/status", { signal: stop.signal });
      await until(() => upstream.requests.length > 0, "the request to arrive");
      stop.abort(new Error("the caller left"));
      await assert.rejects(call, EsiAbortError);
      await until(() => abandoned.count > 0, "the upstream request to be aborted");
      assert.equal(abandoned.count, 1);
    },
  );
});
