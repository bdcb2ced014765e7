/**
 * `/healthz` (the process answers) and `/readyz` (the store answers and ESI's
 * `/status` answers through the module, so a fresh cached answer counts).
 *
 * @module
 */

import { Hono } from "hono";
import type { EsiClient } from "../../src/client/client.ts";
import { type Clock, systemClock } from "../../src/clock.ts";
import { EsiHttpError } from "../../src/errors.ts";
import type { GatewayEnv } from "../context.ts";
import { markSecured, SECURE_HEADERS } from "../middleware/secure_headers.ts";

/** One readiness check's outcome. */
export interface CheckResult {
  /** Whether it passed. */
  ok: boolean;
  /** What was checked, or why it failed. */
  [detail: string]: unknown;
}

/** Options of {@link healthRoutes}. */
export interface HealthRoutesOptions {
  /** The client; `/readyz` asks it for `GET /status`. */
  esi: EsiClient;
  /** Resolves when the shared store answers. */
  checkStore: () => Promise<unknown>;
  /** The store's name, for the details. */
  storeName: string;
  /**
   * How long each check may take, in milliseconds.
   * @default 3000
   */
  timeoutMs?: number;
  /**
   * The clock that times the checks out.
   * @default systemClock
   */
  clock?: Clock;
}

/**
 * The liveness and readiness routes.
 *
 * @param options The client, the store check and the timeout.
 * @returns A Hono app with `GET /healthz` and `GET /readyz`.
 * @example
 * ```ts ignore
 * app.route("/", healthRoutes({ esi, checkStore: () => store.ping(), storeName: "memory" }));
 * ```
 */
export function healthRoutes(
  { esi, checkStore, storeName, timeoutMs = 3_000, clock = systemClock }: HealthRoutesOptions,
): Hono<GatewayEnv> {
  const quick = esi.withRetry(0).withTimeout(timeoutMs);
  const app = new Hono<GatewayEnv>();

  // The same answer every time, built for each request: on workerd a Response
  // belongs to the request that made it, and a clone of it fails in any other.
  const healthy = JSON.stringify({ status: "ok" });
  const headers: [string, string][] = [
    ["Cache-Control", "no-store"],
    ["Content-Type", "application/json"],
    ...SECURE_HEADERS.map(([name, value]): [string, string] => [name, value]),
  ];
  app.get("/healthz", function healthz() {
    return markSecured(new Response(healthy, { headers }));
  });

  app.get("/readyz", async function readyz(c) {
    const [store, upstream] = await Promise.all([
      within(clock, timeoutMs, async (): Promise<CheckResult> => {
        await checkStore();
        return { ok: true, store: storeName };
      }, { store: storeName }),
      within(clock, timeoutMs, async (): Promise<CheckResult> => {
        const res = await quick.requestUntyped<{ players?: number; server_version?: string }>(
          "GET",
          "/status",
        );
        return { ok: true, status: res.status, cache: res.meta.cache };
      }, {}),
    ]);
    const ready = store.ok && upstream.ok;
    return c.json(
      { status: ready ? "ready" : "not ready", checks: { store, esi: upstream } },
      ready ? 200 : 503,
      { "Cache-Control": "no-store" },
    );
  });

  return app;
}

/** Runs a check with a deadline; a failure or a timeout becomes `{ ok: false, error }`. */
async function within(
  clock: Clock,
  ms: number,
  check: () => Promise<CheckResult>,
  context: Record<string, unknown>,
): Promise<CheckResult> {
  const stop = new AbortController();
  const timeout = clock.sleep(ms, stop.signal).then(
    (): CheckResult => ({ ...context, ok: false, error: `no answer within ${ms} ms` }),
    () => ({ ok: false }), // cancelled: the check settled first
  );
  try {
    return await Promise.race([
      check().catch((error): CheckResult => ({ ...context, ok: false, error: describe(error) })),
      timeout,
    ]);
  } finally {
    stop.abort();
  }
}

function describe(error: unknown): string {
  if (error instanceof EsiHttpError) return `ESI answered ${error.status}`;
  return error instanceof Error ? error.message : String(error);
}
