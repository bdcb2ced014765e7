/**
 * Test doubles for applications built on esikit: a simulated ESI served on
 * 127.0.0.1 (or in-process) and a clock that moves only when told to.
 *
 * @example A client against the simulator
 * ```ts
 * import { EsiSimulator, FakeClock } from "@esikit/esi/testing";
 *
 * await using sim = new EsiSimulator({ clock: new FakeClock() });
 * await sim.start();
 * const res = await fetch(`${sim.url}/status`, { headers: { "X-Compatibility-Date": "2026-07-17" } });
 * (await res.json()).players; // a number
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
export type { Clock } from "../clock.ts";
export type { JsonWebKeySet, TokenResponse } from "../sso/mod.ts";
export type { OperationKey } from "../spec/operations.gen.ts";
