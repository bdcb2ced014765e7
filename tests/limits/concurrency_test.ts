import assert from "node:assert/strict";
import { ConcurrencyGate } from "../../src/limits/concurrency.ts";

Deno.test("the gate holds at most its limit and hands places on in arrival order", async () => {
  const gate = new ConcurrencyGate(2);
  const order: number[] = [];
  const r1 = await gate.acquire();
  const r2 = await gate.acquire();
  const waiting = [3, 4].map((n) => gate.acquire().then((release) => (order.push(n), release)));
  assert.equal(gate.active, 2);
  assert.equal(gate.waiting, 2);
  r1();
  r1(); // releasing twice gives back one place only
  const r3 = await waiting[0];
  assert.equal(gate.active, 2);
  r2();
  const r4 = await waiting[1];
  assert.deepEqual(order, [3, 4]);
  r3();
  r4();
  assert.equal(gate.active, 0);
});

Deno.test("an aborted waiter leaves the queue", async () => {
  const gate = new ConcurrencyGate(1);
  const release = await gate.acquire();
  const controller = new AbortController();
  const waiting = gate.acquire(controller.signal);
  controller.abort(new Error("gave up"));
  await assert.rejects(waiting, /gave up/);
  assert.equal(gate.waiting, 0);
  release();
  assert.equal(gate.active, 0);
});

Deno.test("a gate needs a positive integer limit", () => {
  assert.throws(() => new ConcurrencyGate(0), /limit must be a positive integer, got "0"/);
});
