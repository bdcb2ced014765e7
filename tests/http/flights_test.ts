import assert from "node:assert/strict";
import { Flights } from "../../src/http/flights.ts";

Deno.test("identical concurrent runs share one piece of work", async () => {
  const flights = new Flights<number>();
  let started = 0;
  let finish!: (n: number) => void;
  const work = () => {
    started++;
    return new Promise<number>((resolve) => (finish = resolve));
  };
  const a = flights.run("k", work);
  const b = flights.run("k", work);
  await Promise.resolve();
  await Promise.resolve();
  finish(7);
  assert.deepEqual(await Promise.all([a, b]), [7, 7]);
  assert.equal(started, 1);
  assert.equal(flights.size, 0);
});

Deno.test("the shared work is aborted only when every waiter has given up", async () => {
  const flights = new Flights<string>();
  let workSignal!: AbortSignal;
  const work = (signal: AbortSignal) => {
    workSignal = signal;
    return new Promise<string>((_, reject) =>
      signal.addEventListener("abort", () => reject(signal.reason))
    );
  };
  const one = new AbortController();
  const two = new AbortController();
  const a = flights.run("k", work, one.signal);
  const b = flights.run("k", work, two.signal);
  await Promise.resolve();
  one.abort(new Error("one gave up"));
  await assert.rejects(a, /one gave up/);
  assert.equal(workSignal.aborted, false);
  two.abort(new Error("two gave up"));
  await assert.rejects(b, /two gave up/);
  assert.equal(workSignal.aborted, true);
  assert.equal(flights.size, 0);
});
