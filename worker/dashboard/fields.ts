/**
 * The numbers the page shows, and how each is written: one list and one
 * formatter, used by the server's HTML (what a reader without JavaScript
 * sees) and by the page's script (the functions are sent as their source
 * text), so that both write every number the same way.
 *
 * @module
 */

/** How a number is written. */
export type FieldKind = "int" | "percent" | "rate" | "ms" | "seconds" | "list";

/** One number on the page. */
export interface Field {
  /** Its path in the status (`budget.remain`). */
  key: string;
  /** What it is, as the page says it. */
  label: string;
  /** How it is written. */
  kind: FieldKind;
  /** The panel it is shown in. */
  panel: "budget" | "traffic" | "refusals";
}

/** The numbers, by panel, in the order they are shown. */
export const FIELDS: readonly Field[] = [
  { key: "budget.remain", label: "Error budget left", kind: "int", panel: "budget" },
  { key: "budget.reserve", label: "Reserve kept", kind: "int", panel: "budget" },
  { key: "budget.resetInS", label: "Window resets in", kind: "seconds", panel: "budget" },
  { key: "budget.received420", label: "420s received", kind: "int", panel: "budget" },
  { key: "traffic.hitRatio", label: "Cache hit ratio", kind: "percent", panel: "traffic" },
  { key: "traffic.perSecond.hit", label: "Hits per second", kind: "rate", panel: "traffic" },
  {
    key: "traffic.perSecond.revalidated",
    label: "Revalidated per second",
    kind: "rate",
    panel: "traffic",
  },
  { key: "traffic.perSecond.miss", label: "Misses per second", kind: "rate", panel: "traffic" },
  { key: "traffic.perSecond.stale", label: "Stale per second", kind: "rate", panel: "traffic" },
  { key: "traffic.perSecond.error", label: "Errors per second", kind: "rate", panel: "traffic" },
  { key: "traffic.p50Ms", label: "Upstream latency p50", kind: "ms", panel: "traffic" },
  { key: "traffic.p95Ms", label: "Upstream latency p95", kind: "ms", panel: "traffic" },
  { key: "refusals.rateLimited", label: "Callers rate limited", kind: "int", panel: "refusals" },
  { key: "refusals.authFailures", label: "Credentials refused", kind: "int", panel: "refusals" },
  { key: "refusals.storeErrors", label: "Store errors", kind: "int", panel: "refusals" },
  { key: "refusals.deadlineHits", label: "Deadline hits", kind: "int", panel: "refusals" },
  { key: "circuits.open", label: "Circuits open (failing fast)", kind: "int", panel: "refusals" },
  { key: "circuits.groups", label: "Open on", kind: "list", panel: "refusals" },
  {
    key: "waits.errorLimitS",
    label: "Waited on the error limit",
    kind: "seconds",
    panel: "refusals",
  },
  { key: "waits.rateLimitS", label: "Waited on route groups", kind: "seconds", panel: "refusals" },
];

/**
 * Writes a number (or a list of names) as the page shows it; `—` when it is
 * not known, or the list is empty. Sent to the browser as source text: it
 * must not refer to anything outside itself.
 *
 * @param value The number, or for `"list"` the names.
 * @param kind How to write it.
 * @returns The text.
 * @example
 * ```ts
 * import { formatValue } from "./fields.ts";
 * formatValue(0.8123, "percent"); // "81.2 %"
 * formatValue(12345, "int"); // "12,345"
 * formatValue(["market-order", "status"], "list"); // "market-order, status"
 * ```
 */
export function formatValue(value: unknown, kind: string): string {
  if (kind === "list") return Array.isArray(value) && value.length ? value.join(", ") : "—";
  if (typeof value !== "number" || !Number.isFinite(value)) return "—";
  const grouped = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  if (kind === "percent") return `${(value * 100).toFixed(1)} %`;
  if (kind === "rate") return value.toFixed(1);
  if (kind === "ms") return `${value < 10 ? value.toFixed(1) : grouped(Math.round(value))} ms`;
  if (kind === "seconds") return `${value < 10 ? value.toFixed(1) : grouped(Math.round(value))} s`;
  return grouped(Math.round(value));
}

/**
 * The value at a dotted path (`traffic.perSecond.hit`, `groups.0.remaining`).
 * Sent to the browser as source text, like {@link formatValue}.
 *
 * @param data The status.
 * @param path The path.
 * @returns The value, or `undefined`.
 * @example
 * ```ts
 * import { valueAt } from "./fields.ts";
 * valueAt({ budget: { remain: 90 } }, "budget.remain"); // 90
 * ```
 */
export function valueAt(data: unknown, path: string): unknown {
  let at: unknown = data;
  for (const part of path.split(".")) {
    if (at === null || typeof at !== "object") return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}
