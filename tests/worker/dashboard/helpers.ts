/**
 * The gateway as the entries build it (`createGateway`: the registry behind
 * `/metrics`, so the status page), in front of the ESI simulator, on one
 * fake clock.
 *
 * @module
 */

import type { Hono } from "hono";
import { EsiSimulator, FakeClock } from "../../../src/testing/mod.ts";
import { type EnvRecord, loadConfig } from "../../../worker/config.ts";
import type { GatewayEnv } from "../../../worker/context.ts";
import { createGateway, type GatewayOptions } from "../../../worker/gateway.ts";
import { serve } from "../../../src/testing/deno.ts";

/** A token long enough for METRICS_TOKEN. */
export const TOKEN = "dashboard-token-0123456789abcdef";

/** The bearer header with {@link TOKEN}. */
export const AUTH = { Authorization: `Bearer ${TOKEN}` };

/** What a test gets. */
export interface DashGateway {
  app: Hono<GatewayEnv>;
  sim: EsiSimulator;
  clock: FakeClock;
  /** GETs a path and returns the answer, its body read as text. */
  get(path: string, headers?: Record<string, string>): Promise<{ res: Response; text: string }>;
}

/**
 * Runs a test against a gateway in front of a running simulator.
 *
 * @param env Settings over `ESI_USER_AGENT`, `ESI_BASE_URL` and `METRICS_TOKEN`.
 * @param fn The test.
 * @param options More of the gateway's options.
 */
export async function withDashboard(
  env: EnvRecord,
  fn: (gw: DashGateway) => Promise<void>,
  options: Partial<GatewayOptions> = {},
): Promise<void> {
  const clock = new FakeClock();
  const sim = new EsiSimulator({ clock });
  await serve(sim);
  try {
    const { app } = createGateway({
      config: loadConfig({
        ESI_USER_AGENT: "esikit-tests/1.0 (tests@example.com)",
        ESI_BASE_URL: sim.url,
        METRICS_TOKEN: TOKEN,
        ...env,
      }),
      clock,
      logger: () => {},
      ...options,
    });
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const res = await app.request(path, { headers });
      return { res, text: await res.text() };
    };
    await fn({ app, sim, clock, get });
  } finally {
    await sim.close();
  }
}
