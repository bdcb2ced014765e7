/**
 * Compatibility dates as ESI resolves them, and HTTP dates.
 *
 * @module
 */

/**
 * The compatibility dates the simulator publishes by default: those of the
 * routes in esikit's spec (2026-07-17), oldest first.
 */
export const DEFAULT_COMPATIBILITY_DATES: readonly string[] = [
  "2020-01-01",
  "2025-08-26",
  "2025-09-26",
  "2025-09-30",
  "2025-11-06",
  "2025-12-16",
  "2026-05-19",
  "2026-06-09",
  "2026-07-17",
];

/** What ESI pins a request to when it names no date. */
export const OLDEST_COMPATIBILITY_DATE = "2020-01-01";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function isDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().startsWith(value);
}

/** The published compatibility dates, and how a requested date resolves against them. */
export class CompatibilityDates {
  /** The oldest date: what a request naming none is pinned to. */
  readonly oldest: string;
  #published: string[];
  // Clients send one or two distinct dates: resolve each once.
  #memo = new Map<string, string | undefined>();

  /**
   * @param dates The published dates, in any order.
   * @throws {TypeError} When a date is not `YYYY-MM-DD`.
   */
  constructor(dates: readonly string[]) {
    for (const date of dates) {
      if (!isDate(date)) throw new TypeError(`Cannot publish compatibility date "${date}"`);
    }
    this.#published = [...new Set(dates)].sort();
    this.oldest = this.#published[0] ?? OLDEST_COMPATIBILITY_DATE;
  }

  /**
   * Resolves a requested date to the newest published date at or before it.
   *
   * @param requested The header's (or query parameter's) value; missing means the oldest date.
   * @returns The date to answer with, or `undefined` when the request names no valid date.
   */
  resolve(requested: string | null): string | undefined {
    if (requested === null || requested === "") return this.oldest;
    if (this.#memo.has(requested)) return this.#memo.get(requested);
    let resolved: string | undefined;
    // ISO dates order as strings.
    if (isDate(requested)) {
      for (const date of this.#published) if (date <= requested) resolved = date;
    }
    if (this.#memo.size < 100) this.#memo.set(requested, resolved);
    return resolved;
  }
}

/**
 * Formats a time as an HTTP date (IMF-fixdate), e.g. `Fri, 17 Jul 2026 12:00:00 GMT`.
 *
 * @param ms Epoch milliseconds.
 * @returns The date.
 */
export function httpDate(ms: number): string {
  const second = floorSecond(ms);
  let date = formatted.get(second);
  if (date === undefined) {
    if (formatted.size >= 256) formatted.clear();
    formatted.set(second, date = new Date(second).toUTCString());
  }
  return date;
}

// Each answer writes three dates, mostly the same few whole seconds.
const formatted = new Map<number, string>();

/**
 * Rounds a time down to the whole second, the precision of HTTP dates.
 *
 * @param ms Epoch milliseconds.
 * @returns The time at the start of its second.
 */
export function floorSecond(ms: number): number {
  return ms - (((ms % 1000) + 1000) % 1000);
}
