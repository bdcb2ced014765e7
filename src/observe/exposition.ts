/**
 * The Prometheus text exposition format (version 0.0.4): numbers, escaping,
 * label sets and the header of a metric family.
 *
 * @module
 */

import type { MetricType } from "./metric_options.ts";

/**
 * The `Content-Type` of a Prometheus text exposition.
 *
 * @example
 * ```ts
 * import { PROMETHEUS_CONTENT_TYPE } from "@esikit/esi/metrics";
 * new Response("", { headers: { "Content-Type": PROMETHEUS_CONTENT_TYPE } });
 * ```
 */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * A number as the exposition format writes it.
 *
 * @param value The number.
 * @returns Its text: `+Inf`, `-Inf`, `NaN`, or the shortest decimal.
 * @example
 * ```ts
 * import { formatSampleValue } from "@esikit/esi/metrics";
 * formatSampleValue(Infinity); // "+Inf"
 * ```
 */
export function formatSampleValue(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return Number.isNaN(value) ? "NaN" : String(value);
}

// A lone surrogate is not valid UTF-8; the exposition must be.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Escapes a label value: backslash, double quote and line feed.
 *
 * @param value The raw value.
 * @returns The value as it goes between the quotes.
 * @example
 * ```ts
 * import { escapeLabelValue } from "@esikit/esi/metrics";
 * escapeLabelValue('a "b"\n'); // 'a \\"b\\"\\n'
 * ```
 */
export function escapeLabelValue(value: string): string {
  if (!/[\\"\n\uD800-\uDFFF]/.test(value)) return value;
  return value.replace(loneSurrogate, "\uFFFD").replace(
    /[\\"\n]/g,
    (c) => c === "\n" ? "\\n" : `\\${c}`,
  );
}

function escapeHelp(help: string): string {
  return help.replace(loneSurrogate, "\uFFFD").replace(
    /[\\\n]/g,
    (c) => c === "\n" ? "\\n" : "\\\\",
  );
}

export function labelText(
  names: readonly string[],
  values: readonly string[],
  extra?: string,
): string {
  if (names.length === 0 && !extra) return "";
  const parts = names.map((n, i) => `${n}="${escapeLabelValue(values[i])}"`);
  if (extra) parts.push(extra);
  return `{${parts.join(",")}}`;
}

/** The exposition of a counter or a gauge: its header, then one line per series. */
export function scalarText(
  name: string,
  help: string,
  type: "counter" | "gauge",
  labelNames: readonly string[],
  series: Iterable<{ values: readonly string[]; data: { value: number } }>,
): string {
  let out = header(name, help, type);
  for (const { values, data } of series) {
    out += `${name}${labelText(labelNames, values)} ${formatSampleValue(data.value)}\n`;
  }
  return out;
}

export function header(name: string, help: string, type: MetricType): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}
