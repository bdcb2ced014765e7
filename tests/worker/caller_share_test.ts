import assert from "node:assert/strict";
import { CallerShare } from "../../worker/proxy/caller_share.ts";
import { FakeClock } from "../../src/testing/mod.ts";

Deno.test("caller share: identical calls in flight share one slot; distinct ones are capped", () => {
  const share = new CallerShare({ errorBudget: 20, maxInFlight: 2, clock: new FakeClock() });
  const endA = share.start("ip:1", "GET /status");
  // A popular entry expiring: the same call again waits for the one refresh, it is not refused.
  assert.equal(share.check("ip:1", "GET /status"), undefined);
  const endA2 = share.start("ip:1", "GET /status");
  const endB = share.start("ip:1", "GET /alliances");
  assert.match(share.check("ip:1", "GET /wars")?.message ?? "", /2 calls in flight/);
  assert.equal(share.check("ip:2", "GET /wars"), undefined, "another caller has its own share");
  endA();
  assert.notEqual(share.check("ip:1", "GET /wars"), undefined, "GET /status is still in flight");
  endA2();
  assert.equal(share.check("ip:1", "GET /wars"), undefined);
  endB();
});
