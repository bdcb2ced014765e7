/**
 * The gateway's settings, read from an environment record (Deno's
 * `Deno.env.toObject()`, a Worker's bindings) and checked all at once: a bad
 * or missing setting stops start-up with one message that lists every
 * problem. Secret values never appear in a message.
 *
 * {@link SETTINGS} has one row per setting: its default (once), whether it
 * is a secret, and its parser; worker/README's settings table is tested
 * against the rows. {@link loadConfig} reads every row, then checks the
 * settings that go together.
 *
 * @module
 */

import {
  type ApiKey,
  apiKeys,
  boolean,
  duration,
  historyInterval,
  httpUrl,
  isoDate,
  key32,
  oneOf,
  origin,
  origins,
  type Parser,
  proxyHops,
  secretOf,
  text,
  type TierLimit,
  tiers,
  userAgent,
  wholeNumber,
} from "./config/parsers.ts";

export type { ApiKey, TierLimit } from "./config/parsers.ts";

/** The environment the settings are read from: names to string values. */
export type EnvRecord = Readonly<Record<string, string | undefined>>;

/** One setting: its default, whether it is a secret, and how it is read. */
export interface Setting<T> {
  /**
   * The text read when the environment has none (README: `` `<fallback>` ``);
   * without one, an unset setting reads as `undefined`.
   */
  readonly fallback?: string;
  /** What an unset setting means, for the README when there is no fallback. */
  readonly unset?: string;
  /** Never quoted in a message, and named as a secret in the README. */
  readonly secret?: boolean;
  /** Reads the text. */
  readonly parse: Parser<T>;
}

const row = <T>(setting: Setting<T>): Setting<T> => setting;

/** Every setting of the gateway, in the README's order. */
export const SETTINGS = {
  ESI_USER_AGENT: row({ unset: "required (local: a placeholder)", parse: userAgent }),
  ESI_BASE_URL: row({ fallback: "https://esi.evetech.net", parse: origin }),
  ESI_COMPATIBILITY_DATE: row({ unset: "the module's spec date", parse: isoDate }),
  ESI_TIMEOUT_MS: row({ fallback: "30000", parse: wholeNumber(1) }),
  RATE_LIMIT: row({ fallback: "120", parse: wholeNumber(1) }),
  RATE_LIMIT_WINDOW: row({ fallback: "60 s", parse: duration }),
  RATE_LIMIT_TIERS: row({ fallback: "{}", parse: tiers }),
  RATE_LIMIT_ON_STORE_ERROR: row({ fallback: "open", parse: oneOf("open", "closed") }),
  API_KEYS: row({ unset: "`{}`", secret: true, parse: apiKeys }),
  REQUIRE_API_KEY: row({ fallback: "false", parse: boolean }),
  TRUST_PROXY: row({ fallback: "0", parse: proxyHops }),
  METRICS_TOKEN: row({ unset: "unset: `/metrics` is off", secret: true, parse: secretOf(16) }),
  DASHBOARD: row({ fallback: "private", parse: oneOf("private", "public", "off") }),
  DASHBOARD_HISTORY: row({ fallback: "5 s", parse: historyInterval }),
  CORS_ORIGINS: row({ unset: "unset: CORS is off", parse: origins(true) }),
  MAX_BODY_BYTES: row({ fallback: "65536", parse: wholeNumber(1) }),
  MAX_ALL_PAGES: row({ fallback: "50", parse: wholeNumber(1) }),
  REQUEST_DEADLINE_MS: row({ fallback: "10000", parse: wholeNumber(1) }),
  CALLER_ERROR_BUDGET: row({ fallback: "20", parse: wholeNumber(1) }),
  UPSTASH_REDIS_REST_URL: row({ unset: "unset: embedded store", parse: httpUrl }),
  UPSTASH_REDIS_REST_TOKEN: row({ unset: "unset: embedded store", secret: true, parse: text }),
  EVE_CLIENT_ID: row({ unset: "unset: token calls answer 501", parse: text }),
  EVE_CLIENT_SECRET: row({ unset: "unset: a public client (PKCE)", secret: true, parse: text }),
  EVE_CALLBACK_URL: row({ unset: "required with `EVE_CLIENT_ID`", parse: httpUrl }),
  EVE_SSO_METADATA_URL: row({ unset: "EVE's", parse: httpUrl }),
  SESSION_SECRET: row({ unset: "unset: no `/auth/*` routes", secret: true, parse: secretOf(32) }),
  TOKEN_ENCRYPTION_KEY: row({ unset: "unset: no `/auth/*` routes", secret: true, parse: key32 }),
  AUTH_RETURN_ORIGINS: row({ unset: "the callback's origin", parse: origins(false) }),
  SESSION_TTL: row({ fallback: "30 d", parse: duration }),
} as const;

/** A setting's name. */
export type SettingName = keyof typeof SETTINGS;

/** Values a deployment may supply when the environment does not. */
export type ConfigDefaults = Partial<Record<SettingName, string>>;

/** The limit on failed authentications per address, unless `RATE_LIMIT_TIERS` names its own. */
const AUTH_FAILURES: TierLimit = {
  limit: 20,
  window: "60 s",
  windowMs: 60_000,
  algorithm: "sliding",
};

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
  /** The longest one request may take, body and upstream included (`REQUEST_DEADLINE_MS`). */
  requestDeadlineMs: number;
  /** ESI errors one caller may cause per minute before it is refused (`CALLER_ERROR_BUDGET`). */
  callerErrorBudget: number;
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

/** Each setting read by its row. */
type Values = { [N in SettingName]: ReturnType<(typeof SETTINGS)[N]["parse"]> };

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
  const given = new Set<SettingName>();
  const values = {} as Record<SettingName, unknown>;
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const setting: Setting<unknown> = SETTINGS[name];
    const value = env[name]?.trim() || defaults[name];
    if (value !== undefined) given.add(name);
    const textValue = value ?? setting.fallback;
    values[name] = setting.parse(textValue, {
      name,
      quoted: setting.secret ? `${name} (value hidden)` : `${name} "${textValue}"`,
      problem: (fragment) => problems.push(fragment),
    });
  }
  const v = values as Values;

  const base: TierLimit = {
    limit: v.RATE_LIMIT,
    window: v.RATE_LIMIT_WINDOW.text,
    windowMs: v.RATE_LIMIT_WINDOW.ms,
    algorithm: "sliding",
  };
  const allTiers = { anonymous: base, default: base, auth_failures: AUTH_FAILURES };
  Object.assign(allTiers, v.RATE_LIMIT_TIERS);
  for (const [id, key] of v.API_KEYS) {
    if (!Object.hasOwn(allTiers, key.tier)) {
      problems.push(
        `API_KEYS key "${id}" names tier "${key.tier}", which RATE_LIMIT_TIERS does not define`,
      );
      v.API_KEYS.delete(id);
    }
  }
  if (v.REQUIRE_API_KEY && !given.has("API_KEYS")) {
    problems.push("REQUIRE_API_KEY is true but API_KEYS is missing");
  } else if (v.REQUIRE_API_KEY && v.API_KEYS.size === 0) {
    problems.push("REQUIRE_API_KEY is true but API_KEYS holds no key");
  }

  const url = v.UPSTASH_REDIS_REST_URL;
  const token = v.UPSTASH_REDIS_REST_TOKEN;
  if ((url === undefined) !== (token === undefined)) {
    problems.push(
      `${
        url === undefined ? "UPSTASH_REDIS_REST_URL" : "UPSTASH_REDIS_REST_TOKEN"
      } is missing (Upstash needs both the URL and the token)`,
    );
  }

  const sso = ssoOf(v, problems);
  if (problems.length) throw new ConfigError(problems);
  return {
    esiBaseUrl: v.ESI_BASE_URL,
    userAgent: v.ESI_USER_AGENT!,
    compatibilityDate: v.ESI_COMPATIBILITY_DATE,
    esiTimeoutMs: v.ESI_TIMEOUT_MS,
    tiers: allTiers,
    onStoreError: v.RATE_LIMIT_ON_STORE_ERROR,
    apiKeys: v.API_KEYS,
    requireApiKey: v.REQUIRE_API_KEY,
    trustProxyHops: v.TRUST_PROXY,
    metricsToken: v.METRICS_TOKEN,
    dashboard: v.DASHBOARD,
    dashboardHistoryMs: v.DASHBOARD_HISTORY,
    corsOrigins: v.CORS_ORIGINS,
    maxBodyBytes: v.MAX_BODY_BYTES,
    maxAllPages: v.MAX_ALL_PAGES,
    requestDeadlineMs: v.REQUEST_DEADLINE_MS,
    callerErrorBudget: v.CALLER_ERROR_BUDGET,
    upstash: url && token ? { url, token } : undefined,
    sso,
  };
}

/** The SSO settings, checked together: the login routes need all of theirs. */
function ssoOf(v: Values, problems: string[]): SsoConfig | undefined {
  const clientId = v.EVE_CLIENT_ID;
  if (clientId === undefined) {
    const needing = [
      "EVE_CLIENT_SECRET",
      "EVE_CALLBACK_URL",
      "SESSION_SECRET",
      "TOKEN_ENCRYPTION_KEY",
    ] as const;
    for (const name of needing) {
      if (v[name] !== undefined) problems.push(`${name} is set but EVE_CLIENT_ID is missing`);
    }
    return undefined;
  }
  const callbackUrl = v.EVE_CALLBACK_URL;
  if (callbackUrl === undefined) {
    problems.push("EVE_CALLBACK_URL is missing (EVE_CLIENT_ID is set)");
  }
  const sso: SsoConfig = {
    clientId,
    clientSecret: v.EVE_CLIENT_SECRET,
    callbackUrl: callbackUrl ?? "",
    metadataUrl: v.EVE_SSO_METADATA_URL,
  };
  const sessionSecret = v.SESSION_SECRET;
  const tokenKey = v.TOKEN_ENCRYPTION_KEY;
  if (sessionSecret === undefined && tokenKey === undefined) return sso;
  if (sessionSecret === undefined || tokenKey === undefined) {
    problems.push(
      `${
        sessionSecret === undefined ? "SESSION_SECRET" : "TOKEN_ENCRYPTION_KEY"
      } is missing (the login routes need both SESSION_SECRET and TOKEN_ENCRYPTION_KEY)`,
    );
    return sso;
  }
  const returnOrigins = [...v.AUTH_RETURN_ORIGINS];
  if (!returnOrigins.length && callbackUrl && URL.canParse(callbackUrl)) {
    returnOrigins.push(new URL(callbackUrl).origin);
  }
  sso.login = {
    sessionSecret,
    tokenKey,
    returnOrigins,
    sessionTtlMs: v.SESSION_TTL.ms,
  };
  return sso;
}
