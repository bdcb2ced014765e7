/**
 * Durations as `@upstash/ratelimit` writes them: `"60 s"`, `"10s"`, `"15 m"`.
 *
 * @module
 */

/** A duration in `@upstash/ratelimit`'s notation: a number and a unit (ms, s, m, h, d). */
export type Duration = `${number} ${DurationUnit}` | `${number}${DurationUnit}`;

/** The units a {@link Duration} may use. */
export type DurationUnit = "ms" | "s" | "m" | "h" | "d";

const units: Record<DurationUnit, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Reads a duration.
 *
 * @param text The duration, e.g. `"60 s"`.
 * @returns Its length in milliseconds, or `undefined` when it is not a positive duration.
 * @example
 * ```ts
 * import { parseDuration } from "./duration.ts";
 * parseDuration("15 m"); // 900000
 * ```
 */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * units[match[2] as DurationUnit];
  return ms > 0 && Number.isSafeInteger(ms) ? ms : undefined;
}
