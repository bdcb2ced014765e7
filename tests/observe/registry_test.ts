import assert from "node:assert/strict";
import {
  Counter,
  escapeLabelValue,
  formatSampleValue,
  Gauge,
  Histogram,
  MetricsRegistry,
} from "../../src/observe/registry.ts";
import { parsePrometheus, samplesOf, sampleValue } from "../support/prometheus_parser.ts";

Deno.test("a counter counts per label set and sums over a filter", () => {
  const c = new Counter({ name: "c_total", help: "C.", labelNames: ["a", "b"] });
  c.inc({ a: "x", b: 1 });
  c.inc({ a: "x", b: 1 });
  c.add(2.5, { a: "y", b: 1 });
  assert.equal(c.get({ a: "x", b: "1" }), 2);
  assert.equal(c.get({ a: "nope", b: 1 }), 0);
  assert.equal(c.sum(), 4.5);
  assert.equal(c.sum({ a: "x" }), 2);
  assert.equal(c.sum({ b: 1 }), 4.5);
  assert.deepEqual(c.samples(), [
    { labels: { a: "x", b: "1" }, value: 2 },
    { labels: { a: "y", b: "1" }, value: 2.5 },
  ]);
});

Deno.test("a counter refuses to go down, to NaN or to infinity", () => {
  const c = new Counter({ name: "c_total", help: "C." });
  assert.throws(() => c.add(-1), RangeError);
  assert.throws(() => c.add(NaN), RangeError);
  assert.throws(() => c.add(Infinity), RangeError);
  assert.equal(c.get(), 0);
});

Deno.test("a sample missing a label is refused", () => {
  const c = new Counter({ name: "c_total", help: "C.", labelNames: ["a"] });
  assert.throws(() => c.inc({} as { a: string }), /label "a" is missing/);
});

Deno.test("a labelless counter and histogram show at 0 from the start; a gauge only once set", () => {
  const registry = new MetricsRegistry();
  registry.counter({ name: "c_total", help: "C." });
  registry.histogram({ name: "h_seconds", help: "H.", buckets: [1] });
  const g = registry.gauge({ name: "g", help: "G." });
  let families = parsePrometheus(registry.toPrometheus());
  assert.equal(sampleValue(families, "c_total"), 0);
  assert.equal(sampleValue(families, "h_seconds_count"), 0);
  assert.equal(families.get("g")?.samples.length, 0);
  assert.equal(g.get(), undefined);
  g.set(7);
  g.add(-2);
  families = parsePrometheus(registry.toPrometheus());
  assert.equal(sampleValue(families, "g"), 5);
});

Deno.test("a histogram counts into cumulative buckets with +Inf, _sum and _count", () => {
  const registry = new MetricsRegistry();
  const h = registry.histogram({
    name: "took_seconds",
    help: "Took.",
    labelNames: ["route"],
    buckets: [0.1, 1, 10],
  });
  for (const v of [0.05, 0.1, 0.5, 3, 42]) h.observe(v, { route: "/a" });
  h.observe(0.2, { route: "/b" });
  assert.deepEqual(h.get({ route: "/a" }), { count: 5, sum: 45.65, buckets: [2, 3, 4, 5] });
  assert.deepEqual(h.sum(), { count: 6, sum: 45.85 });
  assert.throws(() => h.observe(NaN, { route: "/a" }), RangeError);

  const families = parsePrometheus(registry.toPrometheus());
  const buckets = samplesOf(families, "took_seconds_bucket").filter((s) => s.labels.route === "/a");
  assert.deepEqual(buckets.map((s) => [s.labels.le, s.value]), [
    ["0.1", 2],
    ["1", 3],
    ["10", 4],
    ["+Inf", 5],
  ]);
  assert.equal(sampleValue(families, "took_seconds_count", { route: "/a" }), 5);
  assert.equal(sampleValue(families, "took_seconds_sum", { route: "/a" }), 45.65);
  assert.equal(sampleValue(families, "took_seconds_bucket", { route: "/b", le: "1" }), 1);
});

Deno.test("histogram buckets must be finite and ascending, and le is reserved", () => {
  assert.throws(() => new Histogram({ name: "h", help: "H.", buckets: [1, 1] }), RangeError);
  assert.throws(() => new Histogram({ name: "h", help: "H.", buckets: [2, 1] }), RangeError);
  assert.throws(() => new Histogram({ name: "h", help: "H.", buckets: [Infinity] }), RangeError);
  assert.throws(() => new Histogram({ name: "h", help: "H.", labelNames: ["le"] }), /reserved/);
});

Deno.test("metric and label names are checked", () => {
  assert.throws(() => new Counter({ name: "1bad", help: "x" }), /valid metric name/);
  assert.throws(() => new Counter({ name: "a-b", help: "x" }), /valid metric name/);
  assert.throws(() => new Gauge({ name: "g", help: "x", labelNames: ["a-b"] }), /valid name/);
  assert.throws(() => new Gauge({ name: "g", help: "x", labelNames: ["__a"] }), /valid name/);
  assert.throws(() => new Gauge({ name: "g", help: "x", labelNames: ["a", "a"] }), /repeated/);
  assert.throws(
    () => new Gauge({ name: "g", help: "x", labelNames: ["a"], overflowLabels: ["b" as "a"] }),
    /no label/,
  );
  assert.throws(() => new Gauge({ name: "g", help: "x", maxSeries: 0 }), RangeError);
  new Counter({ name: "ns:sub_total", help: "Colons are allowed in metric names." });
});

Deno.test("label values and help are escaped, and the text parses back to the same values", () => {
  const registry = new MetricsRegistry();
  const c = registry.counter({
    name: "odd_total",
    help: 'Backslash \\ and\nnewline and "quotes".',
    labelNames: ["v"],
  });
  const odd = ["a\\b", 'say "hi"', "two\nlines", "tab\tand ünïcödé ✓", "", "lone \uD800 surrogate"];
  odd.forEach((v, i) => c.add(i + 1, { v }));
  const text = registry.toPrometheus();
  assert.ok(text.includes('v="a\\\\b"'));
  assert.ok(text.includes('v="say \\"hi\\""'));
  assert.ok(text.includes('v="two\\nlines"'));
  assert.ok(text.includes('# HELP odd_total Backslash \\\\ and\\nnewline and "quotes".\n'));
  const families = parsePrometheus(text);
  assert.equal(families.get("odd_total")?.help, 'Backslash \\ and\nnewline and "quotes".');
  odd.slice(0, 5).forEach((v, i) => assert.equal(sampleValue(families, "odd_total", { v }), i + 1));
  // Not valid UTF-8 as it stood: written as U+FFFD.
  assert.equal(sampleValue(families, "odd_total", { v: "lone \uFFFD surrogate" }), 6);
  assert.equal(escapeLabelValue("plain"), "plain");
});

Deno.test("special values are written as Prometheus reads them", () => {
  assert.equal(formatSampleValue(Infinity), "+Inf");
  assert.equal(formatSampleValue(-Infinity), "-Inf");
  assert.equal(formatSampleValue(NaN), "NaN");
  assert.equal(formatSampleValue(0.1), "0.1");
  assert.equal(formatSampleValue(1e21), "1e+21");
  const registry = new MetricsRegistry();
  const g = registry.gauge({ name: "g", help: "G.", labelNames: ["k"] });
  g.set(Infinity, { k: "inf" });
  g.set(-Infinity, { k: "-inf" });
  g.set(1e21, { k: "big" });
  g.set(-0.5, { k: "neg" });
  const families = parsePrometheus(registry.toPrometheus());
  assert.equal(sampleValue(families, "g", { k: "inf" }), Infinity);
  assert.equal(sampleValue(families, "g", { k: "-inf" }), -Infinity);
  assert.equal(sampleValue(families, "g", { k: "big" }), 1e21);
  assert.equal(sampleValue(families, "g", { k: "neg" }), -0.5);
});

Deno.test("past maxSeries, new label sets fold their overflow labels into other", async (t) => {
  await t.step("only the named labels fold, while room lasts", () => {
    const c = new Counter({
      name: "r_total",
      help: "R.",
      labelNames: ["route", "status"],
      maxSeries: 3,
      overflowLabels: ["route"],
    });
    for (let i = 0; i < 3; i++) c.inc({ route: `/r${i}`, status: 200 });
    for (let i = 3; i < 100; i++) c.inc({ route: `/r${i}`, status: i % 2 ? 200 : 404 });
    c.inc({ route: "/r0", status: 200 }); // an existing series still counts as itself
    assert.equal(c.get({ route: "/r0", status: 200 }), 2);
    assert.equal(c.get({ route: "other", status: 200 }), 49);
    assert.equal(c.get({ route: "other", status: 404 }), 48);
    assert.equal(c.samples().length, 5);
    assert.equal(c.sum(), 101);
  });
  await t.step("past twice maxSeries every label reads other: never more than 2n+1 series", () => {
    const c = new Counter({
      name: "r_total",
      help: "R.",
      labelNames: ["route", "status"],
      maxSeries: 2,
      overflowLabels: ["route"],
    });
    for (let i = 0; i < 1000; i++) c.inc({ route: `/r${i}`, status: i });
    assert.ok(c.samples().length <= 5, `${c.samples().length} series`);
    assert.equal(c.sum(), 1000);
    assert.ok(c.get({ route: "other", status: "other" }) > 0);
  });
  await t.step("by default every label folds: one overflow series", () => {
    const g = new Gauge({ name: "g", help: "G.", labelNames: ["a", "b"], maxSeries: 1 });
    g.set(1, { a: "1", b: "1" });
    g.set(2, { a: "2", b: "2" });
    g.set(3, { a: "3", b: "3" });
    assert.deepEqual(g.samples(), [
      { labels: { a: "1", b: "1" }, value: 1 },
      { labels: { a: "other", b: "other" }, value: 3 },
    ]);
  });
  await t.step("a histogram folds the same way", () => {
    const h = new Histogram({
      name: "h",
      help: "H.",
      labelNames: ["route"],
      maxSeries: 10,
      buckets: [1],
    });
    for (let i = 0; i < 10_000; i++) h.observe(0.5, { route: `/characters/${i}/assets` });
    assert.equal(h.samples().length, 11);
    assert.equal(h.get({ route: "other" })?.count, 9_990);
  });
});

Deno.test("label sets cannot forge one another's key", () => {
  const c = new Counter({ name: "k_total", help: "K.", labelNames: ["a", "b"] });
  c.inc({ a: "x\u0000", b: "y" });
  c.inc({ a: "x", b: "\u0000y" });
  c.inc({ a: "1:x", b: "" });
  c.inc({ a: "", b: "1:x" });
  assert.equal(c.samples().length, 4);
});

Deno.test("the registry returns an existing metric of the same shape and refuses clashes", () => {
  const registry = new MetricsRegistry();
  const a = registry.counter({ name: "x_total", help: "X.", labelNames: ["l"] });
  const b = registry.counter({ name: "x_total", help: "Other help.", labelNames: ["l"] });
  assert.equal(a, b);
  assert.throws(() => registry.gauge({ name: "x_total", help: "X." }), /already defined/);
  assert.throws(() => registry.counter({ name: "x_total", help: "X." }), /already defined/);
  registry.histogram({ name: "h", help: "H.", buckets: [1] });
  assert.throws(() => registry.histogram({ name: "h", help: "H.", buckets: [2] }), /already/);
  assert.throws(() => registry.counter({ name: "h_count", help: "Clash." }), /clash/);
  assert.throws(() => registry.gauge({ name: "h_bucket", help: "Clash." }), /clash/);
  registry.gauge({ name: "y_sum", help: "Y." });
  assert.throws(() => registry.histogram({ name: "y", help: "Clash." }), /clash/);
  assert.equal(registry.get("x_total"), a);
  assert.deepEqual(registry.metrics().map((m) => m.name), ["x_total", "h", "y_sum"]);
});

Deno.test("a registry renders every metric once, valid, and reset forgets the series", () => {
  const registry = new MetricsRegistry();
  const c = registry.counter({ name: "a_total", help: "A.", labelNames: ["k"] });
  const g = registry.gauge({ name: "b", help: "B.", labelNames: ["k"] });
  const h = registry.histogram({ name: "c_seconds", help: "C.", labelNames: ["k"] });
  for (let i = 0; i < 50; i++) {
    c.inc({ k: `v${i % 7}` });
    g.set(i, { k: `v${i % 3}` });
    h.observe(i / 10, { k: `v${i % 5}` });
  }
  const families = parsePrometheus(registry.toPrometheus());
  assert.deepEqual([...families.keys()], ["a_total", "b", "c_seconds"]);
  assert.deepEqual(
    [...families.values()].map((f) => f.type),
    ["counter", "gauge", "histogram"],
  );
  assert.equal(samplesOf(families, "c_seconds_count").reduce((n, s) => n + s.value, 0), 50);
  registry.reset();
  const empty = parsePrometheus(registry.toPrometheus());
  assert.equal([...empty.values()].reduce((n, f) => n + f.samples.length, 0), 0);
  assert.equal(c.sum(), 0);
});
