/**
 * The page's script: asks `/status.json` every `refreshMs`, writes the
 * numbers into the elements the server wrote, and draws the charts with
 * uPlot. It is written here, type-checked with the rest, and sent as its
 * source text (`assets.ts`): no build step. It refers to nothing outside
 * its arguments, since only its own text reaches the browser; the few DOM
 * types it uses are declared below (the gateway is checked without the DOM
 * library).
 *
 * @module
 */

import type { Chart } from "./charts.ts";

/** The part of an element the script uses. */
export interface PageElement {
  textContent: string | null;
  readonly dataset: Record<string, string | undefined>;
  readonly clientWidth: number;
  setAttribute(name: string, value: string): void;
  toggleAttribute(name: string, force: boolean): void;
  append(...nodes: (PageElement | string)[]): void;
  replaceChildren(...nodes: (PageElement | string)[]): void;
}

/** The part of the document the script uses. */
export interface PageDocument {
  readonly body: PageElement;
  querySelectorAll(selector: string): Iterable<PageElement>;
  querySelector(selector: string): PageElement | null;
  getElementById(id: string): PageElement | null;
  createElement(tag: string): PageElement;
}

/** The part of the window the script uses; it sets `esikitDashboard` (tests read it). */
export interface PageWindow {
  fetch(url: string, init: { headers: Record<string, string> }): Promise<Response>;
  setTimeout(fn: () => void, ms: number): unknown;
  addEventListener(type: string, fn: () => void): void;
  esikitDashboard?: {
    status: unknown;
    updates: number;
    plots: Record<string, PlotLike>;
  };
}

/** The part of a uPlot chart the script uses. */
export interface PlotLike {
  readonly data: readonly (readonly unknown[])[];
  setData(data: (number | null)[][]): void;
  setSize(size: { width: number; height: number }): void;
}

/** uPlot's constructor. */
export type PlotConstructor = new (
  options: Record<string, unknown>,
  data: (number | null)[][],
  target: PageElement,
) => PlotLike;

/** The shared functions and data the script is given (see `fields.ts`, `charts.ts`). */
export interface ClientLib {
  formatValue(value: unknown, kind: string): string;
  valueAt(data: unknown, path: string): unknown;
  chartColumns(
    chart: Chart,
    status: unknown,
    valueAt: (data: unknown, path: string) => unknown,
  ): (number | null)[][];
  chartSummary(
    chart: Chart,
    columns: readonly (readonly (number | null)[])[],
    format: (value: number) => string,
  ): string;
  charts: readonly Chart[];
}

/**
 * Runs the page: the first update at once, then one every `refreshMs`.
 *
 * @param doc The document.
 * @param win The window.
 * @param Plot uPlot.
 * @param lib The shared functions and the charts.
 * @example
 * ```ts ignore
 * // In the browser, from the served script:
 * dashboardClient(document, window, uPlot, { formatValue, valueAt, chartColumns, chartSummary, charts });
 * ```
 */
export function dashboardClient(
  doc: PageDocument,
  win: PageWindow,
  Plot: PlotConstructor,
  lib: ClientLib,
): void {
  const refreshMs = Math.max(1_000, Number(doc.body.dataset.refreshMs) || 5_000);
  const live = doc.getElementById("live");
  const plots: Record<string, PlotLike> = {};
  const state = { status: undefined as unknown, updates: 0, plots };
  win.esikitDashboard = state;
  const height = 180;
  const widthOf = (el: PageElement) => Math.max(240, el.clientWidth);

  const text = (tag: string, content: string, attrs: Record<string, string> = {}) => {
    const el = doc.createElement(tag);
    el.textContent = content;
    for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
    return el;
  };

  // The groups' rows are written again only when the set of groups changes.
  let groupNames = "";
  const renderGroups = (status: unknown) => {
    const groups = lib.valueAt(status, "groups");
    if (!Array.isArray(groups)) return;
    const names = groups.map((g) => String(g.name)).join("\n");
    if (names === groupNames) return;
    groupNames = names;
    const body = doc.querySelector("#groups tbody");
    if (!body) return;
    const field = (i: number, key: string) =>
      text("span", "", { "data-field": `groups.${i}.${key}`, "data-kind": "int" });
    body.replaceChildren(...groups.map((g, i) => {
      const row = doc.createElement("tr");
      const left = doc.createElement("td");
      left.append(field(i, "remaining"), " of ", field(i, "size"));
      if (typeof g.remaining === "number" && g.size) {
        left.append(
          " ",
          text("meter", "", {
            min: "0",
            max: String(g.size),
            low: String(Math.ceil(g.size / 10)),
            optimum: String(g.size),
            value: String(g.remaining),
            "aria-label": `${g.name}: tokens left`,
          }),
        );
      }
      const got = doc.createElement("td");
      got.append(field(i, "received429"));
      row.append(text("th", String(g.name), { scope: "row" }), left, got);
      return row;
    }));
    if (!groups.length) {
      body.replaceChildren(text("td", "No group has answered yet.", { colspan: "3" }));
    }
  };

  const renderChart = (chart: Chart, status: unknown) => {
    const target = doc.getElementById(`plot-${chart.id}`);
    if (!target) return;
    const columns = lib.chartColumns(chart, status, lib.valueAt);
    const times = lib.valueAt(status, "series.t");
    const t = Array.isArray(times) ? times as number[] : [];
    const scale = chart.scale ?? 1;
    const data = [t, ...columns.map((c) => c.map((v) => v === null ? null : v * scale))];
    const summary = doc.getElementById(`sum-${chart.id}`);
    if (summary) {
      summary.textContent = lib.chartSummary(
        chart,
        columns,
        (v) => lib.formatValue(v, chart.kind),
      );
    }
    const plot = plots[chart.id];
    if (plot) return plot.setData(data);
    plots[chart.id] = new Plot(
      {
        width: widthOf(target),
        height,
        scales: { x: { time: true } },
        axes: [{}, { label: chart.unit, size: 56 }],
        cursor: { show: true },
        series: [
          { label: "Time" },
          ...chart.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            dash: s.dash ? [8, 5] : undefined,
            spanGaps: false,
            ...(s.points
              ? { paths: () => null, points: { show: true, size: 8, fill: s.color } }
              : {}),
          })),
        ],
      },
      data,
      target,
    );
  };

  const render = (status: unknown) => {
    renderGroups(status);
    for (const el of doc.querySelectorAll("[data-field]")) {
      el.textContent = lib.formatValue(
        lib.valueAt(status, el.dataset.field ?? ""),
        el.dataset.kind ?? "int",
      );
    }
    const at = lib.valueAt(status, "generatedAt");
    const time = doc.querySelector("time[data-generated]");
    if (time && typeof at === "number") {
      const iso = new Date(at).toISOString();
      time.textContent = iso;
      time.setAttribute("datetime", iso);
    }
    const blocked = doc.querySelector("[data-blocked]");
    if (blocked) blocked.toggleAttribute("hidden", lib.valueAt(status, "budget.blocked") !== true);
    const circuits = doc.querySelector("[data-circuits]");
    if (circuits) circuits.toggleAttribute("hidden", !lib.valueAt(status, "circuits.open"));
    for (const chart of lib.charts) renderChart(chart, status);
    state.status = status;
    state.updates++;
  };

  const poll = async () => {
    try {
      const res = await win.fetch("/status.json", { headers: { Accept: "application/json" } });
      if (!res.ok) throw new Error(`the gateway answered ${res.status}`);
      render(await res.json());
      const said = `Live: updated every ${Math.round(refreshMs / 1000)} s.`;
      // Written once: a live region announces every change.
      if (live && live.textContent !== said) live.textContent = said;
    } catch (error) {
      if (live) live.textContent = `Cannot update the numbers (${String(error)}); trying again.`;
    } finally {
      win.setTimeout(poll, refreshMs);
    }
  };

  win.addEventListener("resize", () => {
    for (const [id, plot] of Object.entries(plots)) {
      const target = doc.getElementById(`plot-${id}`);
      if (target) plot.setSize({ width: widthOf(target), height });
    }
  });
  poll();
}
