/**
 * The gateway's settings, read from an environment record (Deno's
 * `Deno.env.toObject()`, a Worker's bindings) and checked all at once: a bad
 * or missing setting stops start-up with one message that lists every
 * problem. Secret values never appear in a message.
 *
 * @module
 */

import { type Duration, parseDuration } from "./duration.ts";

/** The environment the settings are read from: names to string values. */
export type EnvRecord = Readonly<Record<string, string | undefined>>;

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

/** One API key: its secret (for HMAC signatures) and its tier. */
export interface ApiKey {
  /** The shared secret the caller signs with. */
  secret: string;
  /** The tier that limits it. */
  tier: string;
}

/** The gateway's settings, checked. */
export interface GatewayConfig {
  /** ESI's base URL (`ESI_BASE_URL`). */
  esiBaseUrl: string;
  /** The product token sent to ESI (`ESI_USER_AGENT`). */
  userAgent: string;
  /** The compatibility date sent to ESI (`ESI_COMPATIBILITY_DATE`); the module's when unset. */
  compatibilityDate?: string;
  /** One upstream try's timeout in milliseconds (`ESI_TIMEOUT_MS`). */
  esiTimeoutMs: number;
  /** The caller tiers: `anonymous` and `default` always exist (`RATE_LIMIT*`). */
  tiers: Readonly<Record<string, TierLimit>>;
  /** What the limiter does when its store fails: let calls through or refuse them. */
  onStoreError: "open" | "closed";
  /** API keys by id (`API_KEYS`). */
  apiKeys: ReadonlyMap<string, ApiKey>;
  /** Whether `/esi/*` refuses callers without an API key (`REQUIRE_API_KEY`). */
  requireApiKey: boolean;
  /** How many proxies in front of the gateway add to `X-Forwarded-For` (`TRUST_PROXY`). */
  trustProxyHops: number;
  /** The bearer token `/metrics` asks for; `/metrics` is off without one (`METRICS_TOKEN`). */
  metricsToken?: string;
  /** Who sees the status page: with `METRICS_TOKEN`, or anyone (an aggregate), or none (`DASHBOARD`). */
  dashboard: "private" | "public" | "off";
  /** The status page's history interval in milliseconds; 0 records none (`DASHBOARD_HISTORY`). */
  dashboardHistoryMs: number;
  /** Origins allowed by CORS; empty leaves CORS off (`CORS_ORIGINS`). */
  corsOrigins: readonly string[];
  /** The largest request body proxied to ESI, in bytes (`MAX_BODY_BYTES`). */
  maxBodyBytes: number;
  /** The most pages `?all=true` merges into one answer (`MAX_ALL_PAGES`). */
  maxAllPages: number;
  /** Upstash Redis, when configured (`UPSTASH_REDIS_REST_URL`, `UPSTASH_REDIS_REST_TOKEN`). */
  upstash?: { url: string; token: string };
  /** EVE SSO, when configured (`EVE_CLIENT_ID`, …): token verification, and login with `login`. */
  sso?: SsoConfig;
}

/** The gateway's EVE SSO application. */
export interface SsoConfig {
  /** The application's client id (`EVE_CLIENT_ID`). */
  clientId: string;
  /** The application's secret (`EVE_CLIENT_SECRET`); a public client without it. */
  clientSecret?: string;
  /** The registered callback URL, the gateway's `/auth/callback` (`EVE_CALLBACK_URL`). */
  callbackUrl: string;
  /** The SSO's RFC 8414 metadata (`EVE_SSO_METADATA_URL`); EVE's when unset. */
  metadataUrl?: string;
  /** The login routes' secrets; the routes are off without them. */
  login?: LoginConfig;
}

/** What the `/auth/*` routes need. */
export interface LoginConfig {
  /** Signs `state` and the cookies (`SESSION_SECRET`, 32+ characters). */
  sessionSecret: string;
  /** The AES-GCM key the stored tokens are encrypted with (`TOKEN_ENCRYPTION_KEY`, base64 of 32 bytes). */
  tokenKey: Uint8Array;
  /** Origins `return_to` may point at (`AUTH_RETURN_ORIGINS`); the callback's origin by default. */
  returnOrigins: readonly string[];
  /** How long a session lasts, in milliseconds (`SESSION_TTL`). */
  sessionTtlMs: number;
}

/** The settings and their defaults, for the README and for error messages. */
export const settings = {
  ESI_USER_AGENT: "required: your application, e.g. `MyApp/1.0 (me@example.com)`",
  ESI_BASE_URL: "https://esi.evetech.net",
  ESI_COMPATIBILITY_DATE: "the module's spec date",
  ESI_TIMEOUT_MS: "30000",
  RATE_LIMIT: "120 (requests per window for anonymous callers and keys without a tier)",
  RATE_LIMIT_WINDOW: "60 s",
  RATE_LIMIT_TIERS: '{} (JSON: {"gold": {"limit": 600, "window": "60 s", "algorithm": "sliding"}})',
  RATE_LIMIT_ON_STORE_ERROR: "open",
  API_KEYS: '{} (JSON: {"<key id>": {"secret": "<32+ chars>", "tier": "gold"}})',
  REQUIRE_API_KEY: "false",
  TRUST_PROXY: "0 (proxy hops whose X-Forwarded-For is trusted)",
  METRICS_TOKEN: "unset: /metrics is off",
  DASHBOARD: "private (/dashboard needs METRICS_TOKEN; public: an aggregate view for anyone; off)",
  DASHBOARD_HISTORY: "5 s (the status page's history interval, 180 readings; off: none)",
  CORS_ORIGINS: "unset: CORS is off",
  MAX_BODY_BYTES: "65536",
  MAX_ALL_PAGES: "50",
  UPSTASH_REDIS_REST_URL: "unset: embedded store",
  UPSTASH_REDIS_REST_TOKEN: "unset: embedded store",
  EVE_CLIENT_ID: "unset: token calls answer 501, no login routes",
  EVE_CLIENT_SECRET: "unset: a public client (PKCE only)",
  EVE_CALLBACK_URL: "required with EVE_CLIENT_ID: https://<gateway>/auth/callback",
  EVE_SSO_METADATA_URL: "https://login.eveonline.com/.well-known/oauth-authorization-server",
  SESSION_SECRET: "unset: no login routes (32+ characters)",
  TOKEN_ENCRYPTION_KEY: "unset: no login routes (base64 of 32 random bytes)",
  AUTH_RETURN_ORIGINS: "the callback URL's origin",
  SESSION_TTL: "30 d",
} as const;

/**
 * The settings could not be read: `problems` lists each one, and the message
 * joins them.
 *
 * @example
 * ```ts
 * import { ConfigError, loadConfig } from "./config.ts";
 * try {
 *   loadConfig({});
 * } catch (err) {
 *   if (err instanceof ConfigError) console.error(err.message);
 * }
 * ```
 */
export class ConfigError extends Error {
  /** Each problem, one sentence fragment each. */
  readonly problems: readonly string[];

  /** @param problems Each problem found. */
  constructor(problems: readonly string[]) {
    super(`Cannot start the gateway: ${problems.join("; ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** An http(s) origin: no path, query, user-info, space or backslash. */
const ORIGIN = /^https?:\/\/[^/?#@\s\\]+$/;

/** Values a deployment may supply when the environment does not. */
export type ConfigDefaults = Partial<Record<keyof typeof settings, string>>;

const secretSettings = new Set([
  "API_KEYS",
  "METRICS_TOKEN",
  "UPSTASH_REDIS_REST_TOKEN",
  "EVE_CLIENT_SECRET",
  "SESSION_SECRET",
  "TOKEN_ENCRYPTION_KEY",
]);

/**
 * Reads and checks the settings.
 *
 * @param env The environment.
 * @param defaults Values used where the environment has none (an entry's own defaults).
 * @returns The settings.
 * @throws {ConfigError} Listing every problem, when any setting is bad or missing.
 * @example
 * ```ts
 * import { loadConfig } from "./config.ts";
 * const config = loadConfig({ ESI_USER_AGENT: "MyApp/1.0 (me@example.com)" });
 * config.tiers.anonymous.limit; // 120
 * ```
 */
export function loadConfig(env: EnvRecord, defaults: ConfigDefaults = {}): GatewayConfig {
  const problems: string[] = [];
  const read = (name: keyof typeof settings): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : defaults[name];
  };
  // Quotes a value for a message, unless it is a secret.
  const shown = (name: string, value: string) =>
    secretSettings.has(name) ? `${name} (value hidden)` : `${name} "${value}"`;
  const int = (name: keyof typeof settings, fallback: number, min: number): number => {
    const text = read(name);
    if (text === undefined) return fallback;
    if (!/^\d+$/.test(text)) {
      problems.push(`${shown(name, text)} is not a number`);
      return fallback;
    }
    const n = Number(text);
    if (n < min || !Number.isSafeInteger(n)) {
      problems.push(`${shown(name, text)} must be at least ${min}`);
      return fallback;
    }
    return n;
  };
  const bool = (name: keyof typeof settings, fallback: boolean): boolean => {
    const text = read(name)?.toLowerCase();
    if (text === undefined) return fallback;
    if (text === "true" || text === "1") return true;
    if (text === "false" || text === "0") return false;
    problems.push(`${shown(name, text)} must be "true" or "false"`);
    return fallback;
  };

  const userAgent = read("ESI_USER_AGENT");
  if (!userAgent) problems.push("ESI_USER_AGENT is missing");
  else if (!/^[\x20-\x7e]+$/.test(userAgent)) {
    problems.push("ESI_USER_AGENT has characters a header cannot carry");
  }

  const esiBaseUrl = (read("ESI_BASE_URL") ?? "https://esi.evetech.net").replace(/\/+$/, "");
  if (!ORIGIN.test(esiBaseUrl)) {
    problems.push(`${shown("ESI_BASE_URL", esiBaseUrl)} must be an http(s) origin`);
  }

  const compatibilityDate = read("ESI_COMPATIBILITY_DATE");
  if (
    compatibilityDate !== undefined &&
    (!/^\d{4}-\d{2}-\d{2}$/.test(compatibilityDate) || Number.isNaN(Date.parse(compatibilityDate)))
  ) {
    problems.push(`${shown("ESI_COMPATIBILITY_DATE", compatibilityDate)} is not a YYYY-MM-DD date`);
  }

  const esiTimeoutMs = int("ESI_TIMEOUT_MS", 30_000, 1);
  const maxBodyBytes = int("MAX_BODY_BYTES", 65_536, 1);
  const maxAllPages = int("MAX_ALL_PAGES", 50, 1);

  const limit = int("RATE_LIMIT", 120, 1);
  const windowText = read("RATE_LIMIT_WINDOW") ?? "60 s";
  const windowMs = parseDuration(windowText);
  if (windowMs === undefined) {
    problems.push(`${shown("RATE_LIMIT_WINDOW", windowText)} is not a duration like "60 s"`);
  }
  const base: TierLimit = {
    limit,
    window: windowText as Duration,
    windowMs: windowMs ?? 60_000,
    algorithm: "sliding",
  };
  const tiers: Record<string, TierLimit> = { anonymous: base, default: base };
  const tiersJson = parseJson("RATE_LIMIT_TIERS", read("RATE_LIMIT_TIERS"), problems);
  if (tiersJson !== undefined) {
    if (!isRecord(tiersJson)) problems.push("RATE_LIMIT_TIERS must be a JSON object of tiers");
    else {
      for (const [name, value] of Object.entries(tiersJson)) {
        const tier = readTier(name, value, problems);
        if (tier) tiers[name] = tier;
      }
    }
  }

  const onStoreError = read("RATE_LIMIT_ON_STORE_ERROR")?.toLowerCase() ?? "open";
  if (onStoreError !== "open" && onStoreError !== "closed") {
    problems.push(
      `${shown("RATE_LIMIT_ON_STORE_ERROR", onStoreError)} must be "open" or "closed"`,
    );
  }

  const apiKeys = new Map<string, ApiKey>();
  const keysJson = parseJson("API_KEYS", read("API_KEYS"), problems);
  if (keysJson !== undefined) {
    if (!isRecord(keysJson)) problems.push("API_KEYS must be a JSON object of keys");
    else {
      for (const [id, value] of Object.entries(keysJson)) {
        const key = readKey(id, value, tiers, problems);
        if (key) apiKeys.set(id, key);
      }
    }
  }
  const requireApiKey = bool("REQUIRE_API_KEY", false);
  if (requireApiKey && apiKeys.size === 0 && keysJson !== undefined) {
    problems.push("REQUIRE_API_KEY is true but API_KEYS holds no key");
  } else if (requireApiKey && keysJson === undefined) {
    problems.push("REQUIRE_API_KEY is true but API_KEYS is missing");
  }

  let trustProxyHops = 0;
  const trust = read("TRUST_PROXY")?.toLowerCase();
  if (trust === "true") trustProxyHops = 1;
  else if (trust !== undefined && trust !== "false") trustProxyHops = int("TRUST_PROXY", 0, 0);

  const metricsToken = read("METRICS_TOKEN");
  if (metricsToken !== undefined && metricsToken.length < 16) {
    problems.push("METRICS_TOKEN must be at least 16 characters long");
  }

  const dashboard = read("DASHBOARD")?.toLowerCase() ?? "private";
  if (dashboard !== "private" && dashboard !== "public" && dashboard !== "off") {
    problems.push(`${shown("DASHBOARD", dashboard)} must be "private", "public" or "off"`);
  }
  const historyText = read("DASHBOARD_HISTORY") ?? "5 s";
  const dashboardHistoryMs = historyText.toLowerCase() === "off" ? 0 : parseDuration(historyText);
  if (dashboardHistoryMs === undefined || (dashboardHistoryMs > 0 && dashboardHistoryMs < 1_000)) {
    problems.push(
      `${shown("DASHBOARD_HISTORY", historyText)} must be "off" or a duration of 1 s or more`,
    );
  }

  const corsOrigins = (read("CORS_ORIGINS") ?? "").split(",").map((o) => o.trim()).filter(Boolean);
  for (const origin of corsOrigins) {
    if (origin !== "*" && !ORIGIN.test(origin)) {
      problems.push(`CORS_ORIGINS entry "${origin}" must be an origin like https://app.example`);
    }
  }

  const upstashUrl = read("UPSTASH_REDIS_REST_URL");
  const upstashToken = read("UPSTASH_REDIS_REST_TOKEN");
  if ((upstashUrl === undefined) !== (upstashToken === undefined)) {
    problems.push(
      `${
        upstashUrl === undefined ? "UPSTASH_REDIS_REST_URL" : "UPSTASH_REDIS_REST_TOKEN"
      } is missing (Upstash needs both the URL and the token)`,
    );
  } else if (upstashUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(upstashUrl)) {
    problems.push(`${shown("UPSTASH_REDIS_REST_URL", upstashUrl)} must be an http(s) URL`);
  }

  const sso = readSso(read, shown, problems);

  if (problems.length) throw new ConfigError(problems);
  return {
    esiBaseUrl,
    userAgent: userAgent!,
    compatibilityDate,
    esiTimeoutMs,
    tiers,
    onStoreError: onStoreError as "open" | "closed",
    apiKeys,
    requireApiKey,
    trustProxyHops,
    metricsToken,
    dashboard: dashboard as GatewayConfig["dashboard"],
    dashboardHistoryMs: dashboardHistoryMs ?? 5_000,
    corsOrigins,
    maxBodyBytes,
    maxAllPages,
    upstash: upstashUrl && upstashToken ? { url: upstashUrl, token: upstashToken } : undefined,
    sso,
  };
}

function readSso(
  read: (name: keyof typeof settings) => string | undefined,
  shown: (name: string, value: string) => string,
  problems: string[],
): SsoConfig | undefined {
  const clientId = read("EVE_CLIENT_ID");
  const loginNames = ["SESSION_SECRET", "TOKEN_ENCRYPTION_KEY"] as const;
  if (clientId === undefined) {
    for (const name of ["EVE_CLIENT_SECRET", "EVE_CALLBACK_URL", ...loginNames] as const) {
      if (read(name) !== undefined) problems.push(`${name} is set but EVE_CLIENT_ID is missing`);
    }
    return undefined;
  }
  const callbackUrl = read("EVE_CALLBACK_URL");
  if (callbackUrl === undefined) {
    problems.push("EVE_CALLBACK_URL is missing (EVE_CLIENT_ID is set)");
  } else if (!/^https?:\/\/[^\s]+$/.test(callbackUrl) || !URL.canParse(callbackUrl)) {
    problems.push(`${shown("EVE_CALLBACK_URL", callbackUrl)} must be an http(s) URL`);
  }
  const metadataUrl = read("EVE_SSO_METADATA_URL");
  if (metadataUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(metadataUrl)) {
    problems.push(`${shown("EVE_SSO_METADATA_URL", metadataUrl)} must be an http(s) URL`);
  }
  const sso: SsoConfig = {
    clientId,
    clientSecret: read("EVE_CLIENT_SECRET"),
    callbackUrl: callbackUrl ?? "",
    metadataUrl,
  };

  const sessionSecret = read("SESSION_SECRET");
  const keyText = read("TOKEN_ENCRYPTION_KEY");
  if (sessionSecret === undefined && keyText === undefined) return sso;
  if (sessionSecret === undefined || keyText === undefined) {
    problems.push(
      `${
        sessionSecret === undefined ? "SESSION_SECRET" : "TOKEN_ENCRYPTION_KEY"
      } is missing (the login routes need both SESSION_SECRET and TOKEN_ENCRYPTION_KEY)`,
    );
    return sso;
  }
  if (sessionSecret.length < 32) {
    problems.push("SESSION_SECRET must be at least 32 characters long");
  }
  let tokenKey = new Uint8Array(0);
  try {
    tokenKey = Uint8Array.from(
      atob(keyText.replace(/-/g, "+").replace(/_/g, "/")),
      (ch) => ch.charCodeAt(0),
    );
  } catch {
    // reported below
  }
  if (tokenKey.length !== 32) {
    problems.push("TOKEN_ENCRYPTION_KEY must be the base64 of 32 bytes (openssl rand -base64 32)");
  }
  const origins = (read("AUTH_RETURN_ORIGINS") ?? "").split(",").map((o) => o.trim()).filter(
    Boolean,
  );
  for (const origin of origins) {
    if (!ORIGIN.test(origin)) {
      problems.push(
        `AUTH_RETURN_ORIGINS entry "${origin}" must be an origin like https://app.example`,
      );
    }
  }
  if (!origins.length && callbackUrl && URL.canParse(callbackUrl)) {
    origins.push(new URL(callbackUrl).origin);
  }
  const ttlText = read("SESSION_TTL") ?? "30 d";
  const sessionTtlMs = parseDuration(ttlText);
  if (sessionTtlMs === undefined) {
    problems.push(`${shown("SESSION_TTL", ttlText)} is not a duration like "30 d"`);
  }
  sso.login = {
    sessionSecret,
    tokenKey,
    returnOrigins: origins.filter((o) => URL.canParse(o)).map((o) => new URL(o).origin),
    sessionTtlMs: sessionTtlMs ?? 30 * 86_400_000,
  };
  return sso;
}

function parseJson(name: string, text: string | undefined, problems: string[]): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    problems.push(`${name} is not valid JSON`); // never echo it: it may hold secrets
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readTier(name: string, value: unknown, problems: string[]): TierLimit | undefined {
  const where = `RATE_LIMIT_TIERS tier "${name}"`;
  if (!/^[\w.-]{1,64}$/.test(name)) {
    problems.push(`${where} must be named with letters, digits, "_", "-" or "."`);
    return undefined;
  }
  if (!isRecord(value)) {
    problems.push(`${where} must be an object with "limit" and "window"`);
    return undefined;
  }
  const { limit, window, algorithm = "sliding" } = value;
  let ok = true;
  if (typeof limit !== "number" || !Number.isSafeInteger(limit) || limit < 1) {
    problems.push(`${where} "limit" must be a whole number of at least 1`);
    ok = false;
  }
  const windowMs = typeof window === "string" ? parseDuration(window) : undefined;
  if (windowMs === undefined) {
    problems.push(`${where} "window" must be a duration like "60 s"`);
    ok = false;
  }
  if (algorithm !== "sliding" && algorithm !== "fixed") {
    problems.push(`${where} "algorithm" must be "sliding" or "fixed"`);
    ok = false;
  }
  return ok
    ? {
      limit: limit as number,
      window: window as Duration,
      windowMs: windowMs!,
      algorithm: algorithm as "sliding" | "fixed",
    }
    : undefined;
}

function readKey(
  id: string,
  value: unknown,
  tiers: Record<string, TierLimit>,
  problems: string[],
): ApiKey | undefined {
  if (!/^[\w.-]{1,64}$/.test(id)) {
    problems.push(`API_KEYS key id "${id}" must be letters, digits, "_", "-" or "." (64 at most)`);
    return undefined;
  }
  const where = `API_KEYS key "${id}"`;
  if (!isRecord(value)) {
    problems.push(`${where} must be an object with a "secret"`);
    return undefined;
  }
  const { secret, tier = "default" } = value;
  let ok = true;
  if (typeof secret !== "string" || secret.length < 32) {
    problems.push(`${where} needs a "secret" of at least 32 characters`);
    ok = false;
  }
  if (typeof tier !== "string" || !Object.hasOwn(tiers, tier)) {
    problems.push(`${where} names tier "${String(tier)}", which RATE_LIMIT_TIERS does not define`);
    ok = false;
  }
  return ok ? { secret: secret as string, tier: tier as string } : undefined;
}
