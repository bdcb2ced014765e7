/**
 * How each kind of setting is read: the parsers the settings table in
 * `worker/config.ts` names, one per kind. Each reports its problems through
 * the {@link Read} it is given and returns a value all the same, so that
 * every problem is found in one pass. Written by hand: a few lines each, and
 * the messages (sentence fragments, secrets never quoted) are the gateway's.
 *
 * @module
 */

import { type Duration, parseDuration } from "../duration.ts";

/** What a parser is given besides the text. */
export interface Read {
  /** The setting's name. */
  name: string;
  /** The setting and its value as a message may quote it: `NAME "value"`, or `NAME (value hidden)`. */
  quoted: string;
  /** Records a problem: a sentence fragment naming the setting. */
  problem(fragment: string): void;
}

/** Reads a setting's text (`undefined`: unset, with no default). */
export type Parser<T> = (text: string | undefined, read: Read) => T;

/** How a caller tier is limited. */
export interface TierLimit {
  /** The requests allowed per window. */
  limit: number;
  /** The window, e.g. `"60 s"`. */
  window: Duration;
  /** The window in milliseconds. */
  windowMs: number;
  /**
   * `"sliding"`: a weighted sliding window (Upstash's `slidingWindow`);
   * `"fixed"`: a fixed window.
   */
  algorithm: "sliding" | "fixed";
}

/** One API key as configured: its secret and the tier it names. */
export interface ApiKey {
  /** The shared secret the caller signs with. */
  secret: string;
  /** The tier that limits it. */
  tier: string;
}

/** An http(s) origin: no path, query, user-info, space or backslash. */
const ORIGIN = /^https?:\/\/[^/?#@\s\\]+$/;

/**
 * Any text, as given.
 *
 * @example
 * ```ts ignore
 * text("x", read); // "x"
 * ```
 */
export const text: Parser<string | undefined> = (value) => value;

/**
 * A required product token for ESI's `User-Agent`: printable ASCII.
 *
 * @example
 * ```ts ignore
 * userAgent("MyApp/1.0 (me@example.com)", read);
 * ```
 */
export const userAgent: Parser<string | undefined> = (value, read) => {
  if (!value) read.problem(`${read.name} is missing`);
  else if (!/^[\x20-\x7e]+$/.test(value)) {
    read.problem(`${read.name} has characters a header cannot carry`);
  }
  return value;
};

/**
 * A whole number of at least `min`.
 *
 * @param min The smallest allowed.
 * @returns The parser.
 * @example
 * ```ts ignore
 * wholeNumber(1)("30000", read); // 30000
 * ```
 */
export function wholeNumber(min: number): Parser<number> {
  return (value, read) => {
    if (!value || !/^\d+$/.test(value)) {
      read.problem(`${read.quoted} is not a number`);
      return min;
    }
    const n = Number(value);
    if (n < min || !Number.isSafeInteger(n)) {
      read.problem(`${read.quoted} must be at least ${min}`);
      return min;
    }
    return n;
  };
}

/**
 * `true`/`1` or `false`/`0`.
 *
 * @example
 * ```ts ignore
 * boolean("TRUE", read); // true
 * ```
 */
export const boolean: Parser<boolean> = (value, read) => {
  const lower = value?.toLowerCase();
  if (lower === "true" || lower === "1") return true;
  if (lower !== "false" && lower !== "0") read.problem(`${read.quoted} must be "true" or "false"`);
  return false;
};

/**
 * A duration such as `60 s` or `30 d`.
 *
 * @example
 * ```ts ignore
 * duration("60 s", read); // { text: "60 s", ms: 60000 }
 * ```
 */
export const duration: Parser<{ text: Duration; ms: number }> = (value, read) => {
  const ms = value === undefined ? undefined : parseDuration(value);
  if (ms === undefined) read.problem(`${read.quoted} is not a duration like "60 s"`);
  return { text: (ms === undefined ? "60 s" : value) as Duration, ms: ms ?? 60_000 };
};

/**
 * The status page's history interval: `off` (0), or a duration of 1 s or more.
 *
 * @example
 * ```ts ignore
 * historyInterval("5 s", read); // 5000
 * ```
 */
export const historyInterval: Parser<number> = (value, read) => {
  if (value?.toLowerCase() === "off") return 0;
  const ms = value === undefined ? undefined : parseDuration(value);
  if (ms === undefined || ms < 1_000) {
    read.problem(`${read.quoted} must be "off" or a duration of 1 s or more`);
    return 5_000;
  }
  return ms;
};

/**
 * One of the words given, in any case.
 *
 * @param words The allowed words.
 * @returns The parser.
 * @example
 * ```ts ignore
 * oneOf("open", "closed")("Closed", read); // "closed"
 * ```
 */
export function oneOf<W extends string>(...words: W[]): Parser<W> {
  return (value, read) => {
    const lower = value?.toLowerCase() as W;
    if (words.includes(lower)) return lower;
    read.problem(`${read.quoted} must be ${words.map((w) => `"${w}"`).join(" or ")}`);
    return words[0];
  };
}

/**
 * An http(s) origin, without a trailing slash.
 *
 * @example
 * ```ts ignore
 * origin("https://esi.evetech.net/", read); // "https://esi.evetech.net"
 * ```
 */
export const origin: Parser<string> = (value, read) => {
  const trimmed = (value ?? "").replace(/\/+$/, "");
  if (!ORIGIN.test(trimmed)) read.problem(`${read.quoted} must be an http(s) origin`);
  return trimmed;
};

/**
 * An optional http(s) URL.
 *
 * @example
 * ```ts ignore
 * httpUrl("https://gw.example/auth/callback", read);
 * ```
 */
export const httpUrl: Parser<string | undefined> = (value, read) => {
  if (value !== undefined && (!/^https?:\/\/[^\s]+$/.test(value) || !URL.canParse(value))) {
    read.problem(`${read.quoted} must be an http(s) URL`);
  }
  return value;
};

/**
 * An optional `YYYY-MM-DD` date.
 *
 * @example
 * ```ts ignore
 * isoDate("2025-08-26", read); // "2025-08-26"
 * ```
 */
export const isoDate: Parser<string | undefined> = (value, read) => {
  if (
    value !== undefined &&
    (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value)))
  ) {
    read.problem(`${read.quoted} is not a YYYY-MM-DD date`);
  }
  return value;
};

/**
 * A comma-separated list of origins (and `*` when `star` allows it).
 *
 * @param star Whether `*` is allowed.
 * @returns The parser.
 * @example
 * ```ts ignore
 * origins(true)("https://a.example, *", read); // ["https://a.example", "*"]
 * ```
 */
export function origins(star: boolean): Parser<string[]> {
  return (value, read) => {
    const list = (value ?? "").split(",").map((o) => o.trim()).filter(Boolean);
    for (const entry of list) {
      if (!(star && entry === "*") && !ORIGIN.test(entry)) {
        read.problem(
          `${read.name} entry "${entry}" must be an origin like https://app.example`,
        );
      }
    }
    return list.filter((o) => o === "*" || URL.canParse(o)).map((o) =>
      o === "*" ? o : new URL(o).origin
    );
  };
}

/**
 * An optional secret of at least `min` characters.
 *
 * @param min The fewest characters.
 * @returns The parser.
 * @example
 * ```ts ignore
 * secretOf(16)("metrics-token-0123456789", read);
 * ```
 */
export function secretOf(min: number): Parser<string | undefined> {
  return (value, read) => {
    if (value !== undefined && value.length < min) {
      read.problem(`${read.name} must be at least ${min} characters long`);
    }
    return value;
  };
}

/**
 * An optional base64 (or base64url) encoding of 32 bytes.
 *
 * @example
 * ```ts ignore
 * key32(btoa("k".repeat(32)), read).length; // 32
 * ```
 */
export const key32: Parser<Uint8Array | undefined> = (value, read) => {
  if (value === undefined) return undefined;
  let bytes = new Uint8Array(0);
  try {
    bytes = Uint8Array.from(
      atob(value.replace(/-/g, "+").replace(/_/g, "/")),
      (c) => c.charCodeAt(0),
    );
  } catch {
    // reported below
  }
  if (bytes.length !== 32) {
    read.problem(`${read.name} must be the base64 of 32 bytes (openssl rand -base64 32)`);
  }
  return bytes;
};

/**
 * Trusted proxy hops: `true` (1), `false` (0) or a number.
 *
 * @example
 * ```ts ignore
 * proxyHops("true", read); // 1
 * ```
 */
export const proxyHops: Parser<number> = (value, read) => {
  const lower = value?.toLowerCase();
  if (lower === "true") return 1;
  if (lower === undefined || lower === "false") return 0;
  return wholeNumber(0)(value, read);
};

/**
 * `RATE_LIMIT_TIERS`: a JSON object of named tiers.
 *
 * @example
 * ```ts ignore
 * tiers('{"gold": {"limit": 600, "window": "60 s"}}', read).gold.limit; // 600
 * ```
 */
export const tiers: Parser<Record<string, TierLimit>> = (value, read) => {
  const out: Record<string, TierLimit> = {};
  const json = parseJson(value, read);
  if (json === undefined) return out;
  if (!isRecord(json)) {
    read.problem(`${read.name} must be a JSON object of tiers`);
    return out;
  }
  for (const [name, tier] of Object.entries(json)) {
    const parsed = readTier(name, tier, read);
    if (parsed) out[name] = parsed;
  }
  return out;
};

/**
 * `API_KEYS`: a JSON object of keys by id (whether their tiers exist is
 * checked once the tiers are known).
 *
 * @example
 * ```ts ignore
 * apiKeys('{"app": {"secret": "…32 characters…"}}', read).get("app")?.tier; // "default"
 * ```
 */
export const apiKeys: Parser<Map<string, ApiKey>> = (value, read) => {
  const out = new Map<string, ApiKey>();
  const json = parseJson(value, read);
  if (json === undefined) return out;
  if (!isRecord(json)) {
    read.problem(`${read.name} must be a JSON object of keys`);
    return out;
  }
  for (const [id, entry] of Object.entries(json)) {
    if (!/^[\w.-]{1,64}$/.test(id)) {
      read.problem(`API_KEYS key id "${id}" must be letters, digits, "_", "-" or "." (64 at most)`);
      continue;
    }
    if (!isRecord(entry)) {
      read.problem(`API_KEYS key "${id}" must be an object with a "secret"`);
      continue;
    }
    const { secret, tier = "default" } = entry;
    if (typeof secret !== "string" || secret.length < 32) {
      read.problem(`API_KEYS key "${id}" needs a "secret" of at least 32 characters`);
      continue;
    }
    out.set(id, { secret, tier: String(tier) });
  }
  return out;
};

function parseJson(value: string | undefined, read: Read): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    read.problem(`${read.name} is not valid JSON`); // never echo it: it may hold secrets
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readTier(name: string, value: unknown, read: Read): TierLimit | undefined {
  const where = `${read.name} tier "${name}"`;
  if (!/^[\w.-]{1,64}$/.test(name)) {
    read.problem(`${where} must be named with letters, digits, "_", "-" or "."`);
    return undefined;
  }
  if (!isRecord(value)) {
    read.problem(`${where} must be an object with "limit" and "window"`);
    return undefined;
  }
  const { limit, window, algorithm = "sliding" } = value;
  let ok = true;
  if (typeof limit !== "number" || !Number.isSafeInteger(limit) || limit < 1) {
    read.problem(`${where} "limit" must be a whole number of at least 1`);
    ok = false;
  }
  const windowMs = typeof window === "string" ? parseDuration(window) : undefined;
  if (windowMs === undefined) {
    read.problem(`${where} "window" must be a duration like "60 s"`);
    ok = false;
  }
  if (algorithm !== "sliding" && algorithm !== "fixed") {
    read.problem(`${where} "algorithm" must be "sliding" or "fixed"`);
    ok = false;
  }
  return ok
    ? {
      limit: limit as number,
      window: window as Duration,
      windowMs: windowMs!,
      algorithm: algorithm as TierLimit["algorithm"],
    }
    : undefined;
}
