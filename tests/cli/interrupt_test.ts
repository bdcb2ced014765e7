import assert from "node:assert/strict";
import { join } from "node:path";
import { EsiSimulator } from "../../src/testing/mod.ts";
import { lines, spawnCli } from "../support/cli.ts";
import { serve } from "../../src/testing/deno.ts";

const orders = "/markets/{region_id}/orders";

/** Waits (bounded) for the simulator to have received a request. */
async function received(sim: EsiSimulator, ready: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !ready(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(ready(), `gave up waiting for ${what}: ${sim.requests.length} requests`);
}

Deno.test("Ctrl-C mid-pull cancels the calls, exits 130 and leaves no output file", async () => {
  await using sim = new EsiSimulator({ data: { marketPages: 4, ordersPerPage: 3 } });
  await serve(sim);
  // Page 3 never answers: the pull is mid-way when SIGINT comes.
  sim.fault(`GET ${orders}`, { page: 3, hang: true });
  const dir = await Deno.makeTempDir({ prefix: "esikit-sigint-" });
  const out = join(dir, "orders.json");
  const child = spawnCli([
    "get",
    orders,
    "-p",
    "region_id=10000002",
    "-p",
    "order_type=all",
    "--all",
    "--out",
    out,
    "--base-url",
    sim.url,
  ]);
  await received(sim, () => sim.requests.some((r) => r.query.page === "3"), "page 3");
  child.kill("SIGINT");
  const { code, stdout, stderr } = await child.output();
  const err = new TextDecoder().decode(stderr);
  assert.equal(code, 130, err);
  assert.equal(stdout.length, 0);
  const errors = lines(err).filter((l) => !/ pages \|/.test(l));
  assert.deepEqual(errors, [
    "esikit: Interrupted (Ctrl-C): the calls in flight were cancelled",
  ]);
  assert.deepEqual([...Deno.readDirSync(dir)], [], "no file, not even a temporary one");
  await Deno.remove(dir);
});
