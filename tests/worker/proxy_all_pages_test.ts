/**
 * `?all=true` against a fake ESI on 127.0.0.1 whose pages the test scripts:
 * the page count that changes mid-walk, a version that turns over mid-stream,
 * and 300 pages streamed as they come.
 *
 * @module
 */

import assert from "node:assert/strict";
import { FakeClock } from "../../src/testing/mod.ts";
import { testGateway } from "./helpers.ts";
import { until } from "../support/until.ts";

const ORDERS = "/esi/markets/10000002/orders?order_type=all&all=true";

/** One page as the fake ESI answers it. */
interface FakePage {
  records: unknown[];
  pages: number;
  /** The version: `Last-Modified`, as epoch ms. */
  version: number;
}

/** A fake ESI serving `GET /markets/10000002/orders?page=N` from a script. */
function fakeEsi(
  clock: FakeClock,
  answer: (page: number, asked: number) => FakePage | Promise<FakePage>,
) {
  const asked: number[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const page = Number(new URL(req.url).searchParams.get("page") ?? "1");
    asked.push(page);
    const { records, pages, version } = await answer(page, asked.filter((p) => p === page).length);
    return Response.json(records, {
      headers: {
        "x-pages": String(pages),
        "last-modified": new Date(version).toUTCString(),
        // From the fake clock: the runtime's own Date would make every page stale.
        date: new Date(clock.now()).toUTCString(),
        expires: new Date(clock.now() + 300_000).toUTCString(),
        "x-esi-request-id": crypto.randomUUID(),
      },
    });
  });
  const { port } = server.addr as Deno.NetAddr;
  return {
    url: `http://127.0.0.1:${port}`,
    asked,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

Deno.test("all=true: a page count that grows mid-walk past MAX_ALL_PAGES is never walked", async () => {
  const clock = new FakeClock();
  const v1 = clock.now() - 60_000;
  // Page 1 says 2 pages; page 2 already belongs to a new version of 200 pages, and so does
  // page 1 when asked again: a restarted walk would take the new count.
  await using esi = fakeEsi(clock, (page, asked) => {
    if (page === 1 && asked === 1) return { records: [{ order_id: 1 }], pages: 2, version: v1 };
    return { records: [{ order_id: page }], pages: 200, version: v1 + 1_000 };
  });
  const { app } = testGateway({ baseUrl: esi.url, clock, env: { MAX_ALL_PAGES: "50" } });
  const res = await app.request(ORDERS);
  if (res.status === 200) {
    // The stream started with page 1; the turnover must abort it, not complete it.
    await assert.rejects(res.text());
  } else {
    await res.body?.cancel();
  }
  assert.ok(esi.asked.length <= 3, `asked ESI for ${esi.asked.length} pages`);
  assert.ok(Math.max(...esi.asked) <= 50, "a page past MAX_ALL_PAGES was asked for");
});

Deno.test("all=true: a version that turns over mid-stream aborts the answer, never completes it", async () => {
  const clock = new FakeClock();
  const v1 = clock.now() - 60_000;
  // Page 3 is the first of a new version; asked again, every page is consistent.
  await using esi = fakeEsi(clock, (page, asked) => {
    const version = page === 3 || asked > 1 ? v1 + 1_000 : v1;
    return { records: [{ order_id: page, version }], pages: 3, version };
  });
  const { app } = testGateway({ baseUrl: esi.url, clock });
  const res = await app.request(ORDERS);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-pages"), "3");
  await assert.rejects(res.text());
});

Deno.test("all=true: 300 pages stream, the first bytes before the last page is asked for", async () => {
  const clock = new FakeClock();
  const version = clock.now() - 60_000;
  const { promise: lastPageAsked, resolve: askedForLast } = Promise.withResolvers<"last">();
  const { promise: released, resolve: release } = Promise.withResolvers<void>();
  await using esi = fakeEsi(clock, async (page) => {
    if (page === 300) {
      askedForLast("last");
      await released;
    }
    return { records: [{ order_id: page * 2 - 1 }, { order_id: page * 2 }], pages: 300, version };
  });
  const { app } = testGateway({ baseUrl: esi.url, clock, env: { MAX_ALL_PAGES: "300" } });
  const pending = Promise.resolve(app.request(ORDERS));
  try {
    const first = await Promise.race([
      pending.then(async (res) => {
        assert.equal(res.status, 200);
        const reader = res.body!.getReader();
        const chunk = await reader.read();
        return { reader, chunk };
      }),
      lastPageAsked,
    ]);
    assert.notEqual(first, "last", "page 300 was asked for before the answer started");
    if (first === "last") return;
    assert.ok(!esi.asked.includes(300));
    release();
    let text = new TextDecoder().decode(first.chunk.value);
    for (;;) {
      const { done, value } = await first.reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    const orders = JSON.parse(text) as { order_id: number }[];
    assert.equal(orders.length, 600);
    assert.deepEqual(orders.map((o) => o.order_id), Array.from({ length: 600 }, (_, i) => i + 1));
    assert.equal(new Set(esi.asked).size, 300);
  } finally {
    release();
    await pending.then((res) => res.body?.cancel()).catch(() => {});
  }
});

Deno.test("all=true: an empty page and empty arrays still make one JSON array", async () => {
  const clock = new FakeClock();
  const version = clock.now() - 60_000;
  await using esi = fakeEsi(clock, (page) => ({
    records: page === 2 ? [] : [{ order_id: page }],
    pages: 3,
    version,
  }));
  const { app } = testGateway({ baseUrl: esi.url, clock });
  const res = await app.request(ORDERS);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), [{ order_id: 1 }, { order_id: 3 }]);
});

Deno.test("all=true: a caller that stops reading holds the walk to 8 pages ahead", async () => {
  const clock = new FakeClock();
  const asked: number[] = [];
  const held = Promise.withResolvers<void>();
  // ESI in-process: page 1 at once; every other page held until the test ends.
  const fetch: typeof globalThis.fetch = async (input) => {
    const page = Number(new URL(String(input)).searchParams.get("page") ?? "1");
    asked.push(page);
    if (page > 1) await held.promise;
    return Response.json([{ order_id: page }], {
      headers: {
        "x-pages": "100",
        "last-modified": new Date(clock.now() - 60_000).toUTCString(),
        date: new Date(clock.now()).toUTCString(),
        expires: new Date(clock.now() + 300_000).toUTCString(),
      },
    });
  };
  const { app } = testGateway({
    baseUrl: "http://esi.test",
    fetch,
    clock,
    env: { MAX_ALL_PAGES: "100" },
  });
  const res = await app.request(ORDERS);
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  try {
    assert.equal(new TextDecoder().decode((await reader.read()).value), "[");
    assert.equal(new TextDecoder().decode((await reader.read()).value), '{"order_id":1}');
    const third = reader.read(); // waits for page 2, which ESI holds
    await until(() => asked.length >= 9, "the pages ahead to be asked for");
    // Let whatever else was started reach ESI: nothing more may have been.
    for (let turn = 0; turn < 20; turn++) await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(asked, [1, ...Array.from({ length: 8 }, (_, i) => i + 2)]);
    held.resolve();
    assert.equal(new TextDecoder().decode((await third).value), ","); // then page 2
  } finally {
    held.resolve();
    await reader.cancel();
  }
});
