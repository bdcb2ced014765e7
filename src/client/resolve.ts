/**
 * Option resolution: every default in one place, and every option checked
 * when the client is made, so that a mistake fails at construction with a
 * clear message rather than on the first call.
 *
 * @module
 */

import { MemoryCache } from "../cache/memory.ts";
import { systemClock } from "../clock.ts";
import { EsiRequestError } from "../errors.ts";
import { hmacKey } from "../signing/canonical.ts";
import { assertExtraHeaders, assertValidHeaders } from "../http/headers.ts";
import { Flights } from "../http/flights.ts";
import { resolveRetryPolicy } from "../http/retry.ts";
import { ConcurrencyGate } from "../limits/concurrency.ts";
import { Limits } from "../limits/limits.ts";
import { specCompatibilityDate } from "../spec/operations.gen.ts";
import { VERSION } from "../version.ts";
import type { Config, Shared } from "../pipeline/types.ts";
import type { EsiClientOptions, EsiLanguage } from "./options.ts";

const languages: ReadonlySet<string> = new Set(["en", "de", "fr", "ja", "ru", "zh", "ko", "es"]);
let warnedNoUserAgent = false;

/** The state a new client shares with those derived from it, and its own settings. */
export function resolveClient(options: EsiClientOptions): { shared: Shared; config: Config } {
  if (!options.userAgent && !warnedNoUserAgent) {
    warnedNoUserAgent = true;
    console.warn(
      'esikit: no userAgent given. ESI asks every application to identify itself: pass { userAgent: "MyApp/1.0 (me@example.com)" }.',
    );
  }
  const headers = { ...options.headers };
  assertExtraHeaders(headers);
  const baseUrl = (options.baseUrl ?? "https://esi.evetech.net").replace(/\/+$/, "");
  if (!/^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(baseUrl)) {
    refuse(`baseUrl "${baseUrl}" must be an http(s) URL without query or fragment`);
  }
  if ((options.apiKey === undefined) !== (options.apiSecret === undefined)) {
    refuse("apiKey and apiSecret go together; give both or neither");
  }
  if (options.apiSecret === "") refuse("apiSecret is empty");
  const userAgent = `${options.userAgent ? `${options.userAgent} ` : ""}esikit/${VERSION}`;
  assertValidHeaders({ "User-Agent": userAgent });
  const clock = options.clock ?? systemClock;
  const shared: Shared = {
    baseUrl,
    userAgent,
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    cache: options.cache === false ? undefined : options.cache ?? new MemoryCache(),
    clock,
    hooks: options.hooks ?? {},
    gate: new ConcurrencyGate(options.concurrency ?? 20),
    limits: options.limits instanceof Limits
      ? options.limits
      : new Limits({ clock: options.clock, ...options.limits }),
    flights: new Flights(),
    keepStaleMs: options.keepStaleMs ?? 3_600_000,
    maxBodyBytes: positive("maxBodyBytes", options.maxBodyBytes ?? 16 * 1024 * 1024),
    maxPages: positive("maxPages", options.maxPages ?? 2_000),
    shareRawBytes: options.shareRawBytes ?? false,
    storeTimeoutMs: options.storeTimeoutMs ?? 1_000,
    gateway: options.apiKey !== undefined && options.apiSecret !== undefined
      ? { apiKey: options.apiKey, key: hmacKey(options.apiSecret) }
      : undefined,
  };
  const config: Config = {
    headers,
    timeoutMs: options.timeoutMs ?? 30_000,
    retry: resolveRetryPolicy(options.retry),
    compatibilityDate: checkDate(options.compatibilityDate ?? specCompatibilityDate),
    language: checkLanguage(options.language ?? "en"),
    tenant: options.tenant ?? "tranquility",
  };
  return { shared, config };
}

/** A compatibility date, checked: `YYYY-MM-DD`. */
export function checkDate(date: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date))) {
    throw new EsiRequestError(
      `Cannot use compatibility date "${date}": it must be a date written YYYY-MM-DD`,
    );
  }
  return date;
}

/** A language, checked: one of ESI's. */
export function checkLanguage(language: EsiLanguage): EsiLanguage {
  if (!languages.has(language)) {
    throw new EsiRequestError(
      `Cannot use language "${language}": ESI speaks ${
        [...languages].map((l) => `"${l}"`).join(", ")
      }`,
    );
  }
  return language;
}

function positive(name: string, value: number): number {
  if (!(value >= 1)) refuse(`${name} must be at least 1, got "${value}"`);
  return value;
}

function refuse(why: string): never {
  throw new EsiRequestError(`Cannot create the client: ${why}`);
}
