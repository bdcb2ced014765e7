/**
 * Building the gateway for tests: a memory store, a fake clock, captured
 * logs, and ESI wherever the test points it (the simulator, or nowhere).
 *
 * @module
 */

import { EsiClient } from "../../src/client/client.ts";
import { MemoryCache } from "../../src/cache/memory.ts";
import type { CacheStore } from "../../src/cache/store.ts";
import { EsiSimulator, FakeClock } from "../../src/testing/mod.ts";
import { serve } from "../../src/testing/deno.ts";
import { type AppDeps, createApp } from "../../worker/app.ts";
import { type EnvRecord, loadConfig } from "../../worker/config.ts";
import type { LogRecord } from "../../worker/context.ts";
import { embeddedLimiter } from "../../worker/limiter/embedded.ts";
import type { TokenVerifier } from "../../worker/middleware/caller_auth.ts";
import { MemoryStore } from "../../worker/stores/memory.ts";

/** A secret long enough for API_KEYS. */
export const SECRET = "s3cret-s3cret-s3cret-s3cret-s3cret-0123";

/** Options of {@link testGateway}. */
export interface TestGatewayOptions {
  /** Settings over the defaults below. */
  env?: EnvRecord;
  /** ESI's base URL (the simulator's); default a closed port with a fetch that fails the test. */
  baseUrl?: string;
  /** The fetch ESI is reached with. */
  fetch?: typeof fetch;
  /** The token verifier. */
  verifyToken?: TokenVerifier;
  /** More dependencies. */
  deps?: Partial<AppDeps>;
  /** The clock (shared with the simulator). */
  clock?: FakeClock;
  /** The response cache; default a MemoryCache. */
  cache?: CacheStore;
}

/** What a test gets. */
export interface TestGateway {
  app: ReturnType<typeof createApp>;
  clock: FakeClock;
  store: MemoryStore;
  logs: LogRecord[];
  /** Upstream requests made through the default fetch (which refuses them). */
  upstream: string[];
  esi: EsiClient;
}

/**
 * Builds the gateway with a memory store and a fake clock.
 *
 * @param options Settings, ESI's URL, fetch, verifier, more dependencies.
 * @returns The gateway and its parts.
 */
export function testGateway(options: TestGatewayOptions = {}): TestGateway {
  const clock = options.clock ?? new FakeClock();
  const config = loadConfig({
    ESI_USER_AGENT: "esikit-tests/1.0 (tests@example.com)",
    ESI_BASE_URL: options.baseUrl ?? "http://127.0.0.1:9",
    ...options.env,
  });
  const upstream: string[] = [];
  const refuse: typeof fetch = (input) => {
    upstream.push(String(input instanceof Request ? input.url : input));
    return Promise.reject(new TypeError("the test expected no upstream call"));
  };
  const esi = new EsiClient({
    baseUrl: config.esiBaseUrl,
    userAgent: config.userAgent,
    cache: options.cache ?? new MemoryCache(),
    fetch: options.fetch ?? (options.baseUrl ? undefined : refuse),
    clock,
    retry: 0,
    timeoutMs: config.esiTimeoutMs,
    compatibilityDate: config.compatibilityDate,
    limits: { policy: "throw", clock },
  });
  const store = new MemoryStore({ clock });
  const logs: LogRecord[] = [];
  const app = createApp({
    config,
    esi,
    nonces: store,
    limiter: embeddedLimiter({ store, tiers: config.tiers, clock }),
    verifyToken: options.verifyToken,
    logger: (record) => logs.push(record),
    clock,
    ...options.deps,
  });
  return { app, clock, store, logs, upstream, esi };
}

/** Reads a JSON error body's message. */
export async function errorOf(res: Response): Promise<string> {
  const body = await res.json();
  return body.error;
}

/**
 * An unsigned JWT with EVE's claims: what the simulator decodes (the gateway
 * trusts only its injected verifier).
 *
 * @param characterId The character.
 * @param scopes The scopes.
 * @param expSeconds `exp`, Unix seconds.
 * @returns The token.
 */
export function fakeJwt(characterId: number, scopes: string[], expSeconds: number): string {
  const part = (value: unknown) =>
    btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${part({ alg: "RS256", kid: "JWT-Signature-Key", typ: "JWT" })}.${
    part({ sub: `CHARACTER:EVE:${characterId}`, scp: scopes, exp: expSeconds, name: "Test" })
  }.c2ln`;
}

/** A gateway in front of a running ESI simulator, sharing its clock. */
export interface SimGateway extends TestGateway {
  sim: EsiSimulator;
}

/**
 * Runs a test against the gateway in front of a real simulator on 127.0.0.1.
 *
 * @param options The gateway's options (its `baseUrl` is the simulator's).
 * @param fn The test.
 */
export async function withSimulator(
  options: TestGatewayOptions,
  fn: (gw: SimGateway) => Promise<void>,
): Promise<void> {
  const clock = options.clock ?? new FakeClock();
  const sim = new EsiSimulator({ clock });
  await serve(sim);
  try {
    await fn({ ...testGateway({ ...options, clock, baseUrl: sim.url }), sim });
  } finally {
    await sim.close();
  }
}
