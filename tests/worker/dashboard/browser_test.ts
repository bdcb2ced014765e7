/**
 * The status page in headless Chromium (Debian's `chromium`, driven with
 * `puppeteer-core`), served by the gateway on 127.0.0.1 in front of the ESI
 * simulator. Without Chromium the test is ignored with a warning, or fails
 * under `CI` (`.ci/run` installs it).
 *
 * @module
 */

import assert from "node:assert/strict";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { chartColumns, CHARTS, chartSummary } from "../../../worker/dashboard/charts.ts";
import { FIELDS, formatValue, valueAt } from "../../../worker/dashboard/fields.ts";
import type { DashboardStatus } from "../../../worker/dashboard/status.ts";
import { AUTH, TOKEN, withDashboard } from "./helpers.ts";

const CHROMIUM = "/usr/bin/chromium";
const available = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();
if (!available && !Deno.env.get("CI")) {
  console.warn(
    `!! ${CHROMIUM} is missing: the browser test is IGNORED (apt-get install chromium).`,
  );
}

/** What the page's script keeps for tests (`window.esikitDashboard`). */
interface PageState {
  status: DashboardStatus;
  updates: number;
  plots: Record<string, { data: (number | null)[][] }>;
}
type PageWindow = { esikitDashboard?: PageState };
type AllyDom = {
  querySelectorAll(s: string): Iterable<{ id: string; getAttribute(n: string): string | null }>;
  getElementById(id: string): { textContent: string } | null;
};
type AlertDom = {
  querySelector(s: string): { hasAttribute(n: string): boolean; textContent: string } | null;
};
type PageDom = {
  querySelectorAll(s: string): Iterable<{ dataset: Record<string, string>; textContent: string }>;
  querySelector(s: string): { getContext(k: string): unknown } | null;
  documentElement: { scrollWidth: number };
};

async function launch(dir: string): Promise<Browser> {
  return await puppeteer.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${dir}/profile`,
    ],
  });
}

/** The numbers the page shows, by field. */
function shownFields(page: Page): Promise<[string, string, string][]> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: PageDom }).document;
    return [...doc.querySelectorAll("[data-field]")].map((
      el,
    ): [string, string, string] => [el.dataset.field, el.dataset.kind, el.textContent]);
  });
}

const CIRCUIT_ALERT =
  "ESI keeps failing on some routes: their calls fail fast until a probe succeeds.";

/** The open-circuit alert: whether it is hidden, and what it says. */
function circuitAlert(page: Page): Promise<{ hidden: boolean; text: string }> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: AlertDom }).document;
    const el = doc.querySelector("[data-circuits]")!;
    return { hidden: el.hasAttribute("hidden"), text: el.textContent };
  });
}

Deno.test({
  name:
    "dashboard in Chromium: traffic and a fault burst reach the charts, and the numbers equal status.json",
  ignore: !available && !Deno.env.get("CI"),
  // puppeteer keeps its connection's timers and sockets past the browser's end.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    if (!available) throw new Error(`Cannot run the browser test: ${CHROMIUM} is not installed`);
    const dir = await Deno.makeTempDir({ prefix: "esikit-dashboard-" });
    await withDashboard({ DASHBOARD_HISTORY: "1 s" }, async ({ app, sim, clock }) => {
      await using server = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen: () => {} },
        (req) => app.fetch(req),
      );
      const base = `http://127.0.0.1:${server.addr.port}`;
      const get = async (path: string, headers: Record<string, string> = {}) => {
        const res = await fetch(base + path, { headers });
        await res.body?.cancel();
        return res.status;
      };
      const browser = await launch(dir);
      try {
        const page = await browser.newPage();
        await page.setViewport({ width: 1200, height: 900 });
        // The browser's own way in: HTTP Basic, the token as the password.
        await page.authenticate({ username: "ops", password: TOKEN });
        const res = await page.goto(`${base}/dashboard`, { waitUntil: "load" });
        assert.equal(res?.status(), 200);

        // Each phase: traffic, a second of fake time, then the page has drawn that reading.
        const seen = async () => {
          await clock.advance(1_000);
          const at = clock.now();
          await page.waitForFunction(
            (t: number) =>
              (globalThis as unknown as PageWindow).esikitDashboard?.status?.generatedAt === t,
            { timeout: 20_000 },
            at,
          );
        };
        await seen();
        for (const id of [34, 35, 36, 37]) {
          assert.equal(await get(`/esi/universe/types/${id}`), 200);
        }
        await seen();
        for (let i = 0; i < 12; i++) assert.equal(await get("/esi/universe/types/34"), 200);
        assert.equal(await get("/esi/status"), 200);
        for (let i = 0; i < 5; i++) assert.equal(await get("/esi/status"), 200);
        await seen();
        // Ten failed tries on one route: its circuit opens (the client's default).
        sim.fault("GET /universe/types/{type_id}", { statuses: new Array(10).fill(500) });
        for (let id = 40; id < 50; id++) {
          assert.equal(await get(`/esi/universe/types/${id}`), 500);
        }
        await seen();
        await seen();

        const state = await page.evaluate(() => {
          const s = (globalThis as unknown as PageWindow).esikitDashboard!;
          return {
            updates: s.updates,
            data: Object.fromEntries(Object.entries(s.plots).map(([id, p]) => [id, p.data])),
          };
        });
        // Every chart drew every reading, with data in it.
        const readings = state.data.budget[0].length;
        assert.ok(readings >= 5, `${readings} readings`);
        for (const [id, data] of Object.entries(state.data)) {
          assert.ok(data.every((column) => column.length === readings), id);
        }
        assert.deepEqual(state.data.budget[1].slice(-3), [100, 90, 90]);
        assert.ok(state.data.rate[1].some((v) => v !== null && v > 0), "hits drawn");
        assert.ok(state.data.rate[5].some((v) => v !== null && v > 0), "errors drawn");
        // And the canvas holds the hits' green line.
        const green = await page.evaluate(() => {
          const doc = (globalThis as unknown as { document: PageDom }).document;
          const canvas = doc.querySelector("#plot-rate canvas") as unknown as {
            width: number;
            height: number;
            getContext(k: "2d"): {
              getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
            };
          };
          const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
          let n = 0;
          for (let i = 0; i < data.length; i += 4) {
            if (data[i] === 0x1b && data[i + 1] === 0x6e && data[i + 2] === 0x35) n++;
          }
          return n;
        });
        assert.ok(green > 20, `${green} pixels of the hits' line`);

        // The numbers on the page are status.json's (the clock stands still: so does the status).
        const check = async (p: Page) => {
          const res = await fetch(`${base}/status.json`, { headers: AUTH });
          const status = await res.json() as DashboardStatus;
          const shown = await shownFields(p);
          assert.equal(shown.length, FIELDS.length + 3 * status.groups.length);
          for (const [key, kind, text] of shown) {
            assert.equal(text, formatValue(valueAt(status, key), kind), key);
          }
          // Each chart's text alternative: its caption names it, its summary says what it shows.
          const charts = await p.evaluate(() => {
            const doc = (globalThis as unknown as { document: AllyDom }).document;
            return [...doc.querySelectorAll('[role="img"]')].map((el) => ({
              id: el.id,
              caption: doc.getElementById(el.getAttribute("aria-labelledby") ?? "")?.textContent,
              summary: doc.getElementById(el.getAttribute("aria-describedby") ?? "")?.textContent,
            }));
          });
          assert.deepEqual(charts.map((c) => c.id), CHARTS.map((c) => `plot-${c.id}`));
          for (const [i, chart] of CHARTS.entries()) {
            assert.equal(charts[i].caption, chart.title);
            const columns = chartColumns(chart, status, valueAt);
            assert.equal(
              charts[i].summary,
              chartSummary(chart, columns, (v) => formatValue(v, chart.kind)),
            );
          }
          return status;
        };
        const status = await check(page);
        assert.equal(status.traffic.totals.error, 10);
        assert.equal(status.budget.remain, 90);
        assert.deepEqual(status.circuits, { open: 1, groups: ["/universe/types/{type_id}"] });
        // The page loaded with every circuit closed: the script wrote the change, and the alert.
        assert.deepEqual(await circuitAlert(page), { hidden: false, text: CIRCUIT_ALERT });

        await page.screenshot({ path: `${dir}/dashboard.png`, fullPage: true });
        // On a phone: nothing wider than the screen.
        await page.setViewport({ width: 390, height: 844, isMobile: true, deviceScaleFactor: 2 });
        await page.waitForFunction(
          () =>
            (globalThis as unknown as { document: PageDom; innerWidth: number }).document
              .documentElement.scrollWidth <= (globalThis as unknown as { innerWidth: number })
              .innerWidth,
          { timeout: 10_000 },
        );
        await page.screenshot({ path: `${dir}/dashboard-phone.png`, fullPage: true });

        // Without JavaScript the page shows the same numbers.
        const plain = await browser.newPage();
        await plain.setJavaScriptEnabled(false);
        await plain.setExtraHTTPHeaders(AUTH);
        await plain.goto(`${base}/dashboard`, { waitUntil: "load" });
        await check(plain);
        assert.deepEqual(await circuitAlert(plain), { hidden: false, text: CIRCUIT_ALERT });
        console.log(`screenshots: ${dir}/dashboard.png, ${dir}/dashboard-phone.png`);
      } finally {
        await browser.close();
        // The screenshots stay; the browser's profile goes.
        await Deno.remove(`${dir}/profile`, { recursive: true }).catch(() => {});
      }
    });
  },
});
