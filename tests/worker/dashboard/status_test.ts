import assert from "node:assert/strict";
import { EsiMetrics } from "../../../src/observe/esi_metrics.ts";
import type { CircuitEvent } from "../../../src/observe/hooks.ts";
import { MetricsRegistry } from "../../../src/observe/registry.ts";
import { EsiTokenInvalidError } from "../../../src/sso/errors.ts";
import { DenoKvBudgetStore } from "../../../src/limits/budget_deno_kv.ts";
import { chartColumns, CHARTS, chartSummary } from "../../../worker/dashboard/charts.ts";
import { FIELDS, formatValue, valueAt } from "../../../worker/dashboard/fields.ts";
import { History } from "../../../worker/dashboard/history.ts";
import { takeSnapshot } from "../../../worker/dashboard/snapshot.ts";
import { buildStatus, type DashboardStatus } from "../../../worker/dashboard/status.ts";
import { fakeJwt } from "../helpers.ts";
import { AUTH, TOKEN, withDashboard } from "./helpers.ts";

Deno.test("dashboard history: one reading per interval as requests arrive, the newest kept", () => {
  const registry = new MetricsRegistry();
  const history = new History({
    take: (at) => takeSnapshot(registry, at),
    intervalMs: 1_000,
    capacity: 3,
  });
  for (const at of [0, 500, 999, 1_000, 1_200, 2_000, 3_500, 3_900, 4_500]) history.tick(at);
  assert.deepEqual(history.points().map((p) => p.at), [2_000, 3_500, 4_500]);
});

Deno.test("dashboard history: the page, status.json and /metrics scrapes take readings; proxied calls do not", async () => {
  await withDashboard({ DASHBOARD_HISTORY: "5 s" }, async ({ clock, get }) => {
    const readings = async () =>
      (JSON.parse((await get("/status.json", AUTH)).text) as DashboardStatus).series.t;
    assert.equal((await readings()).length, 1);
    await clock.advance(5_000);
    for (let i = 0; i < 3; i++) await get("/esi/status");
    await clock.advance(5_000);
    assert.equal((await get("/metrics", AUTH)).res.status, 200);
    await clock.advance(5_000);
    assert.equal((await get("/dashboard", AUTH)).res.status, 200);
    const start = Math.round(clock.now() / 1000) - 15;
    assert.deepEqual(await readings(), [start, start + 10, start + 15]);
  });
});

Deno.test("status.json: scripted hits, misses and a fault burst give exact rates, ratio and budget", async () => {
  await withDashboard({ DASHBOARD_HISTORY: "5 s" }, async ({ sim, clock, get }) => {
    const status = async () =>
      JSON.parse((await get("/status.json", AUTH)).text) as DashboardStatus;
    assert.equal((await status()).series.t.length, 1); // the first reading: nothing yet

    for (const id of [34, 35, 36]) {
      assert.equal((await get(`/esi/universe/types/${id}`)).res.status, 200);
    }
    assert.equal((await get("/esi/status")).res.status, 200); // a fourth miss
    for (let i = 0; i < 6; i++) assert.equal((await get("/esi/status")).res.status, 200); // hits
    await clock.advance(5_000);
    let s = await status();
    assert.deepEqual(s.traffic.perSecond, {
      hit: 1.2,
      revalidated: 0,
      miss: 0.8,
      stale: 0,
      error: 0,
    });
    assert.equal(s.traffic.hitRatio, 0.6);
    assert.deepEqual(s.series.perSecond.hit, [null, 1.2]);
    assert.deepEqual(s.series.hitRatio, [null, 0.6]);
    // No fake time passes during a call: every upstream answer is in the first bucket (≤ 5 ms).
    assert.equal(s.traffic.p50Ms, 2.5);

    // A burst of 500s: not retried, each one spends ESI's error budget.
    sim.fault("GET /universe/types/{type_id}", { statuses: [500, 500, 500] });
    for (const id of [40, 41, 42]) {
      assert.equal((await get(`/esi/universe/types/${id}`)).res.status, 500);
    }
    await clock.advance(5_000);
    s = await status();
    assert.equal(s.traffic.perSecond.error, 0.6);
    assert.equal(s.traffic.totals.error, 3);
    assert.equal(s.budget.remain, 97);
    assert.equal(s.budget.source, "reported");
    assert.deepEqual(s.series.budget, [null, 100, 97]);

    // ESI answers 420: counted, and every call is held.
    sim.fault("GET /universe/types/{type_id}", { statuses: [420] });
    assert.equal((await get("/esi/universe/types/50")).res.status, 420);
    await clock.advance(5_000);
    s = await status();
    assert.equal(s.budget.received420, 1);
    assert.deepEqual(s.series.received420, [null, 0, 0, 1]);
    assert.deepEqual(s.groups.map((g) => [g.name, g.size]), [["status", 600]]);
  });
});

Deno.test("status.json: ten failed tries open a route's circuit, listed on the page until a probe closes it", async () => {
  await withDashboard({}, async ({ sim, clock, get }) => {
    const status = async () =>
      JSON.parse((await get("/status.json", AUTH)).text) as DashboardStatus;
    const page = async () => (await get("/dashboard", AUTH)).text;
    assert.deepEqual((await status()).circuits, { open: 0, groups: [] });
    assert.match(await page(), /data-circuits hidden>/);

    // /universe/types/{type_id} has no rate-limit group: its circuit is the route's.
    sim.fault("GET /universe/types/{type_id}", { statuses: new Array(10).fill(500) });
    for (let id = 60; id < 70; id++) {
      assert.equal((await get(`/esi/universe/types/${id}`)).res.status, 500);
    }
    const route = "/universe/types/{type_id}";
    assert.deepEqual((await status()).circuits, { open: 1, groups: [route] });
    const sent = sim.stats.requests;
    assert.notEqual((await get("/esi/universe/types/70")).res.status, 200);
    assert.equal(sim.stats.requests, sent, "the open circuit failed the call fast");
    const html = await page();
    assert.match(html, /<span data-field="circuits.open" data-kind="int">1</);
    assert.match(
      html,
      /data-field="circuits.groups" data-kind="list">\/universe\/types\/\{type_id\}</,
    );
    assert.match(html, /data-circuits>ESI keeps failing/);

    // Its time open is up (10 s): the next call is the probe, and it succeeds.
    await clock.advance(10_000);
    assert.equal((await get("/esi/universe/types/71")).res.status, 200);
    assert.deepEqual((await status()).circuits, { open: 0, groups: [] });
    assert.match(await page(), /data-field="circuits.groups" data-kind="list">—</);
  });
});

Deno.test("status.json public view: open circuits are all counted, named only where no character's token reaches", () => {
  const registry = new MetricsRegistry();
  const circuit = new EsiMetrics({ registry }).hooks().circuit ?? [];
  const events: CircuitEvent[] = [
    { group: "char-detail", state: "open" }, // a route of the group needs a token
    { group: "status", state: "half-open" }, // probing: still failing fast
    { group: "/universe/types/{type_id}", state: "open" }, // a public route without a group
    { group: "/characters/{character_id}/orders", state: "open" }, // a token's route
    { group: "made-up-group", state: "open" }, // unknown to the spec
    { group: "market-order", state: "open" },
    { group: "market-order", state: "closed" },
  ];
  for (const e of events) for (const hook of circuit) hook(e);
  const status = (view: "full" | "public") =>
    buildStatus({
      view,
      registry,
      points: [],
      reserve: 10,
      refreshMs: 5_000,
      now: 0,
      settings: {
        upstream: "http://127.0.0.1",
        store: "memory",
        onStoreError: "open",
        tiers: [],
        requireApiKey: false,
        maxAllPages: 10,
        esiTimeoutMs: 10_000,
      },
    }).circuits;
  assert.deepEqual(status("full"), {
    open: 5,
    groups: [
      "/characters/{character_id}/orders",
      "/universe/types/{type_id}",
      "char-detail",
      "made-up-group",
      "status",
    ],
  });
  assert.deepEqual(status("public"), { open: 5, groups: ["/universe/types/{type_id}", "status"] });
});

Deno.test("status.json: the shared error budget is read from the store", async () => {
  using kv = await Deno.openKv(":memory:");
  await withDashboard({}, async ({ clock, get }) => {
    const store = new DenoKvBudgetStore({ kv, clock });
    const resetAt = clock.now() + 30_000;
    await store.save({ remain: 42, resetAt, blockedUntil: 0 });
    const s = JSON.parse((await get("/status.json", AUTH)).text) as DashboardStatus;
    assert.deepEqual(
      [s.budget.remain, s.budget.source, s.budget.resetInS, s.budget.blocked],
      [42, "store", 30, false],
    );
    // The reading taken by that request has the store's budget too, once read.
    await clock.advance(5_000);
    const later = JSON.parse((await get("/status.json", AUTH)).text) as DashboardStatus;
    assert.equal(later.series.budget[0], 42);
    assert.match((await get("/dashboard", AUTH)).text, /data-blocked hidden/);

    // Another instance received a 420 in the same window: the store says every call is held.
    await store.save({ remain: 0, resetAt, blockedUntil: resetAt });
    const blocked = JSON.parse((await get("/status.json", AUTH)).text) as DashboardStatus;
    assert.deepEqual([blocked.budget.remain, blocked.budget.blocked], [0, true]);
    assert.match((await get("/dashboard", AUTH)).text, /data-blocked>ESI answered 420/);
  }, { kv });
});

Deno.test("dashboard access: the /metrics token is asked for, as bearer or Basic password", async (t) => {
  await withDashboard({}, async ({ get }) => {
    await t.step("no token, or a wrong one: 401 with a Basic challenge", async () => {
      const none: Record<string, string> = {};
      for (const headers of [none, { Authorization: "Bearer wrong-wrong-wrong-wrong" }]) {
        for (const path of ["/dashboard", "/status.json"]) {
          const { res, text } = await get(path, headers);
          assert.equal(res.status, 401);
          assert.match(res.headers.get("www-authenticate") ?? "", /^Basic realm=/);
          assert.ok(!text.includes("budget"), "nothing of the status is shown");
        }
      }
    });
    await t.step("the token as bearer, or as Basic's password: 200", async () => {
      const basic = { Authorization: `Basic ${btoa(`admin:${TOKEN}`)}` };
      for (const headers of [AUTH, basic]) {
        assert.equal((await get("/dashboard", headers)).res.status, 200);
        assert.equal((await get("/status.json", headers)).res.status, 200);
      }
    });
    await t.step("/ leads to the page; its script and style need no token", async () => {
      const { res } = await get("/");
      assert.equal(res.status, 302);
      assert.equal(res.headers.get("location"), "/dashboard");
      const js = await get("/dashboard/app.js");
      assert.equal(js.res.headers.get("content-type"), "text/javascript; charset=utf-8");
      assert.match(js.text, /var uPlot=/);
      const css = await get("/dashboard/app.css");
      assert.equal(css.res.headers.get("content-type"), "text/css; charset=utf-8");
    });
  });
  await withDashboard({ METRICS_TOKEN: "" }, async ({ get }) => {
    await t.step("without METRICS_TOKEN the private page is off (404)", async () => {
      assert.equal((await get("/")).res.status, 404);
      assert.equal((await get("/dashboard")).res.status, 404);
      assert.equal((await get("/status.json")).res.status, 404);
    });
  });
  await withDashboard({ DASHBOARD: "off" }, async ({ get }) => {
    await t.step("DASHBOARD=off: no routes, even with the token", async () => {
      assert.equal((await get("/dashboard", AUTH)).res.status, 404);
      assert.equal((await get("/status.json", AUTH)).res.status, 404);
    });
  });
});

Deno.test("dashboard public view: aggregate numbers, nothing per character or caller", async () => {
  const scopes = ["esi-skills.read_skills.v1"];
  const characterId = 90_123_457;
  await withDashboard(
    {
      DASHBOARD: "public",
      RATE_LIMIT_TIERS: '{"character": {"limit": 1, "window": "60 s"}}',
    },
    async ({ clock, get }) => {
      const exp = Math.floor(clock.now() / 1000) + 1200;
      const bearer = { Authorization: `Bearer ${fakeJwt(characterId, scopes, exp)}` };
      const skills = `/esi/characters/${characterId}/skills`;
      assert.equal((await get(skills, bearer)).res.status, 200);
      assert.equal((await get(skills, bearer)).res.status, 429); // the tier's limit of 1
      const bad = { Authorization: "Bearer bad.token.value" };
      assert.equal((await get("/esi/status", bad)).res.status, 401);
      assert.equal((await get("/esi/status")).res.status, 200);

      const full = JSON.parse((await get("/status.json", AUTH)).text) as DashboardStatus;
      assert.equal(full.view, "full");
      assert.deepEqual(full.groups.map((g) => g.name), ["char-detail", "status"]);
      assert.deepEqual(full.detail?.rateLimitedByTier, { character: 1 });
      assert.deepEqual(full.detail?.authFailuresByReason, { token_invalid: 1 });

      for (const path of ["/status.json", "/dashboard"]) {
        const { res, text } = await get(path);
        assert.equal(res.status, 200, path);
        for (const secret of ["char-detail", String(characterId), "token_invalid", "127.0.0.1"]) {
          assert.ok(!text.includes(secret), `${path} shows "${secret}"`);
        }
      }
      const pub = JSON.parse((await get("/status.json")).text) as DashboardStatus;
      assert.equal(pub.view, "public");
      assert.equal(pub.settings, undefined);
      assert.equal(pub.detail, undefined);
      assert.deepEqual(pub.groups.map((g) => g.name), ["status"]);
      // The aggregates still count everyone.
      assert.deepEqual([pub.refusals.rateLimited, pub.refusals.authFailures], [1, 1]);
    },
    {
      verifyToken: (jwt) => {
        if (jwt.startsWith("bad.")) {
          return Promise.reject(new EsiTokenInvalidError("signature", "Cannot verify: bad"));
        }
        return Promise.resolve({ characterId, scopes });
      },
    },
  );
});

Deno.test("dashboard page: its CSP allows its own script and style, and without JavaScript it shows what status.json says", async () => {
  await withDashboard({}, async ({ clock, get }) => {
    await get("/status.json", AUTH); // the first reading
    for (const id of [34, 35]) await get(`/esi/universe/types/${id}`);
    await clock.advance(5_000);
    await get("/status.json", AUTH);
    for (let i = 0; i < 3; i++) await get("/esi/universe/types/34");
    await clock.advance(5_000);

    const { res, text: page } = await get("/dashboard", AUTH);
    const status = JSON.parse((await get("/status.json", AUTH)).text) as DashboardStatus;
    assert.equal(
      res.headers.get("content-security-policy"),
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
    assert.deepEqual(page.match(/<script[^>]*>/g), ['<script defer src="/dashboard/app.js">']);
    assert.ok(!/\sstyle=|<style/.test(page), "no inline style");

    const shown = [...page.matchAll(/data-field="([^"]+)" data-kind="([^"]+)">([^<]*)</g)];
    assert.equal(shown.length, FIELDS.length + 3 * status.groups.length);
    for (const [, key, kind, text] of shown) {
      assert.equal(text, formatValue(valueAt(status, key), kind), key);
    }
    assert.equal(valueAt(status, "traffic.perSecond.hit"), 0.6);
    assert.match(page, /<span data-field="traffic.perSecond.hit" data-kind="rate">0.6</);
    for (const chart of CHARTS) {
      const summary = new RegExp(`data-summary="${chart.id}">([^<]*)<`).exec(page)?.[1];
      const expected = chartSummary(
        chart,
        chartColumns(chart, status, valueAt),
        (v) => formatValue(v, chart.kind),
      );
      assert.equal(summary, expected);
      assert.match(page, new RegExp(`role="img" aria-labelledby="cap-${chart.id}"`));
    }
  });
});

Deno.test("dashboard charts: every line stands 3:1 or more against the white page (WCAG 1.4.11)", () => {
  // Relative luminance and contrast ratio as WCAG 2 defines them.
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  for (const chart of CHARTS) {
    for (const { label, color } of chart.series) {
      const ratio = 1.05 / (luminance(color) + 0.05);
      assert.ok(ratio >= 3, `${chart.id} ${label}: ${ratio.toFixed(2)}:1`);
    }
  }
});

Deno.test("dashboard assets: assets.gen.ts is what the generator writes from the locked uplot", async () => {
  const { renderAssets } = await import("../../../worker/dashboard/gen_assets.ts");
  const file = new URL("../../../worker/dashboard/assets.gen.ts", import.meta.url);
  assert.equal(await Deno.readTextFile(file), await renderAssets());
});
