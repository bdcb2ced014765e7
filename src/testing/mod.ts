/**
 * Test doubles for applications built on esikit, runtime-agnostic: a
 * simulated ESI and a simulated EVE SSO as `fetch` handlers (served on
 * 127.0.0.1 by `@esikit/esi/testing/deno`), and a clock that moves only when
 * told to.
 *
 * @example A client against the simulator, no socket
 * ```ts
 * import { EsiClient } from "@esikit/esi";
 * import { EsiSimulator, FakeClock } from "@esikit/esi/testing";
 *
 * const sim = new EsiSimulator({ clock: new FakeClock() });
 * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)", fetch: sim.fetch });
 * (await esi.get("/status")).players; // a number
 * const res = await sim.fetch("/alliances", { headers: { "X-Compatibility-Date": "2026-07-17" } });
 * res.headers.get("x-esi-error-limit-remain"); // "100"
 * ```
 *
 * @module
 */

export { FakeClock, type FakeClockOptions } from "./fake_clock.ts";
export {
  type EsiSimBucket,
  type EsiSimRequest,
  type EsiSimStats,
  EsiSimulator,
  type EsiSimulatorOptions,
} from "./esi_simulator.ts";
export {
  EsiSimError,
  type EsiSimJson,
  type EsiSimRoute,
  type EsiSimRouteContext,
  type EsiSimValue,
} from "./esi_sim_content.ts";
export type { EsiSimFault } from "./esi_sim_faults.ts";
export type { EsiSimDataOptions } from "./esi_sim_data.ts";
export type { EsiSimIdentity, EsiSimTokenVerifier } from "./esi_sim_auth.ts";
export type { EsiSimGroupSize } from "./esi_sim_limits.ts";
export * from "./sso_simulator.ts";
export type { SimListen, SimServer } from "./sim_server.ts";
export type { Clock } from "../clock.ts";
export type { JsonWebKeySet, TokenResponse } from "../sso/mod.ts";
export type { OperationKey } from "../spec/operations.gen.ts";
