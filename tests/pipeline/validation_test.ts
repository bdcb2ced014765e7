/**
 * Nothing stored unchecked and every count bounded: a broken answer is an
 * error and never reaches the cache; a page count from the wire is checked
 * on every version of page 1.
 */
import assert from "node:assert/strict";
import { EsiClient, EsiError, EsiPaginationError, EsiResponseError } from "../../mod.ts";
import { withEsi } from "../support/esi.ts";
import { json, withUpstream } from "../support/upstream.ts";

const fresh = { "cache-control": "public, max-age=300" };

function client(url: string, options: ConstructorParameters<typeof EsiClient>[0] = {}) {
  return new EsiClient({ userAgent: "t", baseUrl: url, retry: { backoffMs: 0 }, ...options });
}

Deno.test("a garbage X-Pages is refused, naming the value, never read as one page", async (t) => {
  for (const value of ["abc", "-5", "0", "1.5", "", "2, 3"]) {
    await t.step(`X-Pages: "${value}"`, () =>
      withUpstream(
        () => json([1], { ...fresh, "x-pages": value }),
        async ({ url }) => {
          await assert.rejects(
            client(url).all("/markets/{region_id}/orders", {
              path: { region_id: 1 },
              query: { order_type: "all" },
            }),
            (err: unknown) => {
              assert.ok(err instanceof EsiError, String(err));
              assert.ok(err.message.includes(`"${value}"`), err.message);
              return true;
            },
          );
        },
      ));
  }
});

Deno.test("an absurd X-Pages is refused before any other page is asked for", () =>
  withUpstream(
    () => json([1], { ...fresh, "x-pages": "1000000000" }),
    async ({ url, requests }) => {
      await assert.rejects(
        client(url).all("/markets/{region_id}/orders", {
          path: { region_id: 1 },
          query: { order_type: "all" },
        }),
        (err: unknown) => err instanceof EsiPaginationError && /1000000000/.test(err.message),
      );
      assert.equal(requests.length, 1);
    },
  ));

Deno.test("maxPages is checked on every version of page 1, restarts included", () => {
  let version = 0;
  return withUpstream(
    (req) => {
      const page = Number(new URL(req.url).searchParams.get("page") ?? 1);
      // Page 2 of the first version sees the resource turn over to 500 pages.
      if (page === 2 && version === 0) version = 1;
      const lastModified = new Date(Date.UTC(2026, 0, 1, 0, version)).toUTCString();
      return json([page], {
        ...fresh,
        "last-modified": lastModified,
        "x-pages": version === 0 ? "2" : "500",
      });
    },
    async ({ url, requests }) => {
      await assert.rejects(
        client(url).all("/markets/{region_id}/orders", {
          path: { region_id: 1 },
          query: { order_type: "all" },
          paging: { maxPages: 50 },
        }),
        (err: unknown) => err instanceof EsiPaginationError && /500/.test(err.message),
      );
      assert.equal(requests.length, 3, "page 1, page 2 (turned over), page 1 again");
    },
  );
});

Deno.test("a broken 200 is never cached: the next call asks ESI again", async (t) => {
  const broken: [string, () => Response][] = [
    ["an HTML error page", () =>
      new Response("<html>oops</html>", {
        headers: { ...fresh, "content-type": "text/html" },
      })],
    ["a cut JSON body", () =>
      new Response('{"players": 1', {
        headers: { ...fresh, "content-type": "application/json" },
      })],
  ];
  for (const [name, answer] of broken) {
    for (const raw of [undefined, "bytes", "text"] as const) {
      await t.step(`${name}, raw ${raw ?? "off"}`, () =>
        withUpstream(
          (_req, seen) => seen === 1 ? answer() : json({ players: 2 }, fresh),
          async ({ url, requests }) => {
            const esi = client(url, { retry: 0 });
            await assert.rejects(
              esi.request("GET", "/status", { raw } as object),
              EsiResponseError,
            );
            const res = await esi.request("GET", "/status", { raw } as object);
            assert.equal(res.meta.cache, "miss");
            assert.equal(requests.length, 2);
          },
        ));
    }
  }
});

Deno.test("a broken 200 is retried as a transient failure", () =>
  withEsi(async ({ sim, esi }) => {
    sim.fault("GET /status", { malformedJson: true, times: 1 });
    const res = await esi.withRetry({ backoffMs: 0 }).request("GET", "/status");
    assert.equal(res.meta.attempts, 2);
    assert.equal(typeof res.data.players, "number");
  }));

Deno.test("a body over maxBodyBytes is refused and its connection closed", () =>
  withUpstream(
    () =>
      new Response(
        // 2 MiB in 64 KiB chunks, with no Content-Length: only counting finds it too large.
        ReadableStream.from(Array.from({ length: 32 }, () => new Uint8Array(64 * 1024).fill(32))),
        { headers: { "content-type": "application/json" } },
      ),
    async ({ url }) => {
      const esi = client(url, { retry: 0, maxBodyBytes: 1024 * 1024 });
      await assert.rejects(esi.get("/status"), (err: unknown) => {
        assert.ok(err instanceof EsiResponseError);
        assert.match(err.message, /larger than 1048576 bytes/);
        return true;
      });
    },
  ));

Deno.test("a body that never ends is cut at maxBodyBytes, not read whole", () =>
  withUpstream(
    () =>
      new Response(
        new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(64 * 1024).fill(32)) }),
        { headers: { "content-type": "application/json" } },
      ),
    async ({ url }) => {
      // Read whole, it would end only at the timeout: the cap must end it first.
      const esi = client(url, { retry: 0, maxBodyBytes: 1024 * 1024, timeoutMs: 60_000 });
      await assert.rejects(esi.get("/status"), (err: unknown) => {
        assert.ok(err instanceof EsiResponseError, String(err));
        assert.match(err.message, /larger than 1048576 bytes/);
        return true;
      });
    },
  ));

Deno.test("the default body cap is 16 MiB", () =>
  withUpstream(
    () => new Response(new Uint8Array(17 * 1024 * 1024).fill(32), { headers: fresh }),
    async ({ url }) => {
      await assert.rejects(client(url, { retry: 0 }).get("/status"), EsiResponseError);
    },
  ));
