/**
 * The status page's routes: `GET /dashboard` (the page; `/` redirects to
 * it), `GET /status.json` (its numbers), and the page's script and style.
 * The page and its numbers are behind the `/metrics` token by default,
 * taken as a bearer token or as HTTP Basic's password (so that a browser
 * can open the page: it asks for the password itself, and no token goes in
 * a URL). With `DASHBOARD=public`, a request without the token gets the
 * aggregate view. The page's CSP allows its own script and style only.
 *
 * @module
 */

import { type Context, Hono } from "hono";
import type { Clock } from "../../src/clock.ts";
import type { ErrorBudget, ErrorBudgetStore } from "../../src/limits/error_limit.ts";
import type { MetricsRegistry } from "../../src/observe/registry.ts";
import type { GatewayConfig } from "../config.ts";
import { fail, type GatewayEnv } from "../context.ts";
import { markSecured, SECURE_HEADERS } from "../middleware/secure_headers.ts";
import { sameSecret } from "../routes/metrics.ts";
import { STORE_TIMEOUT_MS, withDeadline } from "../../src/deadline.ts";
import { APP_CSS, APP_JS } from "./assets.ts";
import { History } from "./history.ts";
import { ASSET_PATHS, renderPage } from "./page.ts";
import { takeSnapshot } from "./snapshot.ts";
import { buildStatus, type StatusSettings, type StatusView } from "./status.ts";

/** Options of {@link dashboard}. */
export interface DashboardOptions {
  /** The settings: the token, the access mode, the history interval, and what the page shows. */
  config: Pick<
    GatewayConfig,
    | "metricsToken"
    | "dashboard"
    | "dashboardHistoryMs"
    | "esiBaseUrl"
    | "tiers"
    | "onStoreError"
    | "requireApiKey"
    | "maxAllPages"
    | "esiTimeoutMs"
  >;
  /** The registry `/metrics` renders. */
  registry: MetricsRegistry;
  /** The shared store's name. */
  storeName: string;
  /** Where the shared error budget is kept, when the gateway shares one. */
  budgetStore?: ErrorBudgetStore;
  /**
   * The error-limit reserve.
   * @default 10 (the module's)
   */
  reserve?: number;
  /** The clock. */
  clock: Clock;
}

/** The status page, built. */
export interface Dashboard {
  /** The routes. */
  routes: Hono<GatewayEnv>;
  /** Takes a reading when one is due (a `/metrics` scrape calls it too). */
  tick(): void;
}

/** The page's headers: the gateway's secure headers, with a CSP for the page. */
const PAGE_HEADERS: readonly [string, string][] = [
  ...SECURE_HEADERS.filter(([name]) => name !== "Content-Security-Policy").map((
    [n, v],
  ): [string, string] => [n, v]),
  [
    "Content-Security-Policy",
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  ],
  ["Referrer-Policy", "no-referrer"],
  ["Content-Type", "text/html; charset=utf-8"],
  ["Cache-Control", "no-store"],
];

const challenge = { "WWW-Authenticate": 'Basic realm="esikit gateway", charset="UTF-8"' };

/**
 * Builds the status page's routes and its history.
 *
 * @param options The settings, the registry, the store and the clock.
 * @returns The routes, and what takes a reading when one is due.
 * @example
 * ```ts
 * import { dashboard } from "./routes.ts";
 * import { loadConfig } from "../config.ts";
 * import { MetricsRegistry } from "../../src/observe/registry.ts";
 * import { systemClock } from "../../src/clock.ts";
 * const config = loadConfig({ ESI_USER_AGENT: "MyApp/1.0", DASHBOARD: "public" });
 * const { routes } = dashboard({ config, registry: new MetricsRegistry(), storeName: "memory", clock: systemClock });
 * ```
 */
export function dashboard(options: DashboardOptions): Dashboard {
  const { config, registry, budgetStore, clock, reserve = 10 } = options;
  const token = config.metricsToken;
  const bounded = <T>(work: Promise<T>) =>
    withDeadline(work, "read the shared error budget", { ms: STORE_TIMEOUT_MS, clock });
  const history = config.dashboardHistoryMs > 0
    ? new History({
      take: (at) => takeSnapshot(registry, at),
      intervalMs: config.dashboardHistoryMs,
      budgetStore,
      deadline: bounded,
    })
    : undefined;
  const settings: StatusSettings = {
    upstream: config.esiBaseUrl,
    store: options.storeName,
    onStoreError: config.onStoreError,
    tiers: Object.entries(config.tiers).map(([name, t]) => ({
      name,
      limit: t.limit,
      window: t.window,
    })),
    requireApiKey: config.requireApiKey,
    maxAllPages: config.maxAllPages,
    esiTimeoutMs: config.esiTimeoutMs,
  };

  /** The caller's view, or the refusal. */
  const viewOf = async (c: Context<GatewayEnv>, what: string): Promise<StatusView | Response> => {
    const given = secretOf(c.req.header("Authorization"));
    if (token !== undefined && given !== undefined && await sameSecret(given, token)) return "full";
    if (config.dashboard === "public") return "public";
    if (token === undefined) {
      return fail(
        c,
        404,
        `Cannot find "${what}": METRICS_TOKEN is not set (or set DASHBOARD=public)`,
      );
    }
    return fail(c, 401, "Cannot show the status: the token is missing or wrong", challenge);
  };

  const status = async (view: StatusView) => {
    const now = clock.now();
    history?.tick(now);
    let shared: ErrorBudget | undefined;
    if (budgetStore) shared = await bounded(budgetStore.load()).catch(() => undefined);
    return buildStatus({
      view,
      registry,
      points: history?.points() ?? [],
      shared,
      reserve,
      refreshMs: history?.intervalMs ?? 5_000,
      now,
      settings,
    });
  };

  const routes = new Hono<GatewayEnv>();
  if (token !== undefined || config.dashboard === "public") {
    routes.get("/", (c) => c.redirect("/dashboard", 302));
  }
  routes.get("/dashboard", async function dashboardPage(c) {
    const view = await viewOf(c, "/dashboard");
    if (view instanceof Response) return view;
    const page = await renderPage(await status(view));
    return markSecured(new Response(page, { headers: PAGE_HEADERS }));
  });
  routes.get("/status.json", async function statusJson(c) {
    const view = await viewOf(c, "/status.json");
    if (view instanceof Response) return view;
    return c.json(await status(view), 200, { "Cache-Control": "no-store" });
  });
  const asset = (body: string, type: string) => (c: Context<GatewayEnv>) =>
    c.body(body, 200, { "Content-Type": type, "Cache-Control": "public, max-age=300" });
  routes.get(ASSET_PATHS.script, asset(APP_JS, "text/javascript; charset=utf-8"));
  routes.get(ASSET_PATHS.style, asset(APP_CSS, "text/css; charset=utf-8"));

  return { routes, tick: () => history?.tick(clock.now()) };
}

/** The token from `Bearer <token>`, or the password from `Basic base64(user:password)`. */
function secretOf(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const bearer = /^Bearer (\S+)$/i.exec(authorization);
  if (bearer) return bearer[1];
  const basic = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(authorization);
  if (!basic) return undefined;
  try {
    const text = new TextDecoder().decode(
      Uint8Array.from(atob(basic[1]), (ch) => ch.charCodeAt(0)),
    );
    const colon = text.indexOf(":");
    return colon < 0 ? undefined : text.slice(colon + 1);
  } catch {
    return undefined;
  }
}
