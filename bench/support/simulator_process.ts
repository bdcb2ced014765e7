/**
 * The ESI simulator in a process of its own, for benchmarks whose client
 * should not share its event loop with the server: prints its URL, then
 * serves until its standard input closes.
 *
 *   deno run -A bench/support/simulator_process.ts
 */
import { EsiSimulator, type EsiSimulatorOptions } from "../../src/testing/mod.ts";
import { serve } from "../../src/testing/deno.ts";

const options: EsiSimulatorOptions = JSON.parse(Deno.args[0] ?? "{}");
const sim = new EsiSimulator(options);
await serve(sim);
console.log(sim.url);
// The parent closes our stdin when it is done (or dies): then stop.
for await (const _ of Deno.stdin.readable) { /* drain */ }
await sim.close();
