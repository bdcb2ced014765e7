/**
 * In-process metrics: a small registry of counters, gauges and histograms
 * rendered as Prometheus text, and the ESI series kept from the client's
 * hooks. One import path for both.
 *
 * @module
 */

export * from "./registry.ts";
export * from "./esi_metrics.ts";
// Types the metrics' own signatures name, so this entry point documents them whole.
export type * from "./events.ts";
export { mergeHooks } from "./hooks.ts";
