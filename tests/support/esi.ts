/**
 * Test harness: an ESI simulator on 127.0.0.1 and a client pointed at it,
 * both on one fake clock, stopped when the test ends.
 */
import { EsiClient, type EsiClientOptions } from "../../mod.ts";
import { EsiSimulator, type EsiSimulatorOptions, FakeClock } from "../../src/testing/mod.ts";
import { serve } from "../../src/testing/deno.ts";

export interface Harness {
  sim: EsiSimulator;
  esi: EsiClient;
  clock: FakeClock;
}

/** Starts a simulator and a client sharing a clock; `autoAdvance` clocks get no per-try timeout. */
export async function withEsi(
  test: (h: Harness) => Promise<void>,
  options: {
    autoAdvance?: boolean;
    sim?: EsiSimulatorOptions;
    client?: EsiClientOptions;
  } = {},
): Promise<void> {
  const clock = new FakeClock({ autoAdvance: options.autoAdvance });
  const sim = new EsiSimulator({ clock, ...options.sim });
  await serve(sim);
  try {
    const esi = new EsiClient({
      userAgent: "esikit-tests/1.0 (dev@example.com)",
      baseUrl: sim.url,
      clock,
      // A fake clock that jumps ahead would run out a real request's timeout.
      timeoutMs: options.autoAdvance ? 0 : 30_000,
      retry: { random: () => 0.5 },
      ...options.client,
    });
    await test({ sim, esi, clock });
  } finally {
    await sim.close();
  }
}
