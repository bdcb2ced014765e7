/**
 * The page's charts: what each draws from the status' series, its caption
 * and its colours. The server writes the figures (with a text summary of
 * each, for readers without JavaScript or sight); the page's script draws
 * them with uPlot from the same list, sent as JSON.
 *
 * @module
 */

import type { FieldKind } from "./fields.ts";

/** One line of a chart. */
export interface ChartSeries {
  /** Its path in the status (`series.perSecond.hit`), or `reserve` for the constant reserve. */
  key: string;
  /** Its name in the legend. */
  label: string;
  /** Its colour: at least 3:1 against the white background (WCAG 1.4.11). */
  color: string;
  /** A dashed line (told apart without colour). */
  dash?: boolean;
  /** Drawn as points only (events). */
  points?: boolean;
}

/** One chart. */
export interface Chart {
  /** Its id, unique on the page. */
  id: string;
  /** Its caption. */
  title: string;
  /** The unit of its axis. */
  unit: string;
  /** How its values are written in the summary. */
  kind: FieldKind;
  /** What its values are multiplied by on the axis (a ratio drawn in percent). */
  scale?: number;
  /** Its lines. */
  series: readonly ChartSeries[];
}

/** The charts, in the order they are shown. */
export const CHARTS: readonly Chart[] = [
  {
    id: "budget",
    title: "ESI error budget left, with the reserve; 420s received as points",
    unit: "errors",
    kind: "int",
    series: [
      { key: "series.budget", label: "Budget left", color: "#1f4e9c" },
      { key: "reserve", label: "Reserve", color: "#a1262b", dash: true },
      { key: "series.received420", label: "420s", color: "#a1262b", points: true },
    ],
  },
  {
    id: "rate",
    title: "Calls per second by outcome",
    unit: "per s",
    kind: "rate",
    series: [
      { key: "series.perSecond.hit", label: "Hit", color: "#1b6e35" },
      { key: "series.perSecond.revalidated", label: "Revalidated", color: "#1f4e9c", dash: true },
      { key: "series.perSecond.miss", label: "Miss", color: "#8a4a00" },
      { key: "series.perSecond.stale", label: "Stale", color: "#6a2c7a", dash: true },
      { key: "series.perSecond.error", label: "Error", color: "#a1262b" },
    ],
  },
  {
    id: "ratio",
    title: "Cache hit ratio",
    unit: "%",
    kind: "percent",
    scale: 100,
    series: [{ key: "series.hitRatio", label: "Hit ratio", color: "#1b6e35" }],
  },
  {
    id: "latency",
    title: "Upstream latency, p50 and p95",
    unit: "ms",
    kind: "ms",
    series: [
      { key: "series.p50Ms", label: "p50", color: "#1f4e9c" },
      { key: "series.p95Ms", label: "p95", color: "#8a4a00", dash: true },
    ],
  },
  {
    id: "refusals",
    title: "Refusals and failures per interval",
    unit: "count",
    kind: "int",
    series: [
      { key: "series.rateLimited", label: "Rate limited", color: "#8a4a00" },
      { key: "series.authFailures", label: "Credentials refused", color: "#6a2c7a", dash: true },
      { key: "series.storeErrors", label: "Store errors", color: "#a1262b" },
      { key: "series.deadlineHits", label: "Deadline hits", color: "#1f4e9c", dash: true },
    ],
  },
];

/**
 * A chart's text alternative: each line's latest value and its range over
 * the history. Sent to the browser as source text (it must not refer to
 * anything outside itself but its arguments).
 *
 * @param chart The chart.
 * @param columns Each line's values, in the chart's order.
 * @param format Writes one value.
 * @returns The summary, one sentence.
 * @example
 * ```ts
 * import { CHARTS, chartSummary } from "./charts.ts";
 * chartSummary(CHARTS[2], [[0.5, 0.75]], String); // "Hit ratio: now 0.75 (from 0.5 to 0.75)."
 * ```
 */
export function chartSummary(
  chart: Chart,
  columns: readonly (readonly (number | null)[])[],
  format: (value: number) => string,
): string {
  const parts = chart.series.map((s, i) => {
    const values = (columns[i] ?? []).filter((v): v is number => typeof v === "number");
    if (!values.length) return `${s.label}: ${s.points ? "none" : "no data yet"}`;
    const now = values[values.length - 1];
    const low = Math.min(...values);
    const high = Math.max(...values);
    return `${s.label}: now ${format(now)} (from ${format(low)} to ${format(high)})`;
  });
  return `${parts.join("; ")}.`;
}

/**
 * A chart's columns from the status: each line's values, one per reading
 * (the reserve repeated; zero events left out). Sent to the browser as
 * source text.
 *
 * @param chart The chart.
 * @param status The status.
 * @param valueAt Reads a dotted path (see `valueAt` in `fields.ts`).
 * @returns The columns, in the chart's order.
 * @example
 * ```ts
 * import { CHARTS, chartColumns } from "./charts.ts";
 * import { valueAt } from "./fields.ts";
 * const status = { budget: { reserve: 10 }, series: { t: [1, 2], budget: [90, 80], received420: [null, 0] } };
 * chartColumns(CHARTS[0], status, valueAt); // [[90, 80], [10, 10], [null, null]]
 * ```
 */
export function chartColumns(
  chart: Chart,
  status: unknown,
  valueAt: (data: unknown, path: string) => unknown,
): (number | null)[][] {
  const times = valueAt(status, "series.t");
  const n = Array.isArray(times) ? times.length : 0;
  return chart.series.map((s) => {
    if (s.key === "reserve") {
      const reserve = valueAt(status, "budget.reserve");
      return new Array(n).fill(typeof reserve === "number" ? reserve : null);
    }
    const values = valueAt(status, s.key);
    // Events drawn as points: an interval without one draws nothing.
    const kept = (v: unknown) => typeof v === "number" && !(s.points && v === 0);
    return Array.isArray(values) ? values.map((v) => kept(v) ? v as number : null) : [];
  });
}
