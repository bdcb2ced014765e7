/**
 * What existing EVE tools send, in the spec's terms. EsiPy, eseye, SeAT and
 * most tools written before 2025 call `/latest/status/`, `/v4/characters/1/`
 * and add `?datasource=tranquility` and `?language=`; ESI still answers them,
 * so the gateway does too, by rewriting them to the route the spec has.
 *
 * @module
 */

import type { EsiLanguage } from "../../src/client/options.ts";

/** ESI's old version segments: `/latest`, `/legacy`, `/dev`, `/v1`… */
const VERSION_SEGMENT = /^\/(?:latest|legacy|dev|v\d+)(?=\/.)/;

/**
 * A raw path (after the `/esi` prefix) in the spec's form: without a leading
 * version segment and without one trailing slash. Anything else is left for
 * `checkEsiPath` to judge (`//` stays an empty segment).
 *
 * @param raw The raw path, e.g. `/v1/status/`.
 * @returns The path, e.g. `/status`.
 * @example
 * ```ts
 * import { specPath } from "./legacy.ts";
 * specPath("/latest/markets/10000002/orders/"); // "/markets/10000002/orders"
 * specPath("/status"); // "/status"
 * ```
 */
export function specPath(raw: string): string {
  let path = raw.replace(VERSION_SEGMENT, "");
  if (path.length > 1 && path.endsWith("/") && !path.endsWith("//")) path = path.slice(0, -1);
  return path;
}

/** The languages ESI answers in, and the old `en-us` spelling of English. */
const LANGUAGES: ReadonlyMap<string, EsiLanguage> = new Map([
  ["en", "en"],
  ["en-us", "en"],
  ["de", "de"],
  ["fr", "fr"],
  ["ja", "ja"],
  ["ru", "ru"],
  ["zh", "zh"],
  ["ko", "ko"],
  ["es", "es"],
]);

/**
 * The language a `?language=` value names.
 *
 * @param value The query value, e.g. `en-us` or `de`.
 * @returns The language, or `undefined` when ESI has none by that name.
 * @example
 * ```ts
 * import { queryLanguage } from "./legacy.ts";
 * queryLanguage("en-us"); // "en"
 * ```
 */
export function queryLanguage(value: string): EsiLanguage | undefined {
  return LANGUAGES.get(value.trim().toLowerCase());
}

/**
 * The language to answer in, from `Accept-Language` as browsers write it
 * (`de-DE,de;q=0.9,en;q=0.5`): the caller's most preferred language ESI
 * speaks, by its primary tag; English when none is.
 *
 * @param header The `Accept-Language` header, if any.
 * @returns The language.
 * @example
 * ```ts
 * import { headerLanguage } from "./legacy.ts";
 * headerLanguage("fr-CA,fr;q=0.9,en;q=0.8"); // "fr"
 * headerLanguage(undefined); // "en"
 * ```
 */
export function headerLanguage(header: string | undefined): EsiLanguage {
  if (!header) return "en";
  let best: EsiLanguage = "en";
  let bestQ = 0;
  for (const part of header.split(",").slice(0, 20)) {
    const [tag, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (!(weight > bestQ)) continue;
    const language = LANGUAGES.get(tag.trim()) ?? LANGUAGES.get(tag.trim().split("-")[0]);
    if (language) [best, bestQ] = [language, weight];
  }
  return best;
}
