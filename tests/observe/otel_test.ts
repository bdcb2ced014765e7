import assert from "node:assert/strict";
import {
  type Context,
  context,
  type ContextManager,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  trace,
} from "@opentelemetry/api";
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { emit, type Hooks } from "../../src/observe/hooks.ts";
import { EsiTracing } from "../../src/observe/otel.ts";
import { JWT, runScript, SECRET } from "./scripted_calls.ts";

function setup(options: { sampler?: AlwaysOffSampler } = {}) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    sampler: options.sampler,
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  return { exporter, provider };
}

/** A synchronous context manager: enough for hooks, which run synchronously. */
class StackContextManager implements ContextManager {
  #stack: Context[] = [];
  active(): Context {
    return this.#stack.at(-1) ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    this.#stack.push(ctx);
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.#stack.pop();
    }
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#stack = [];
    return this;
  }
}

const byName = (spans: ReadableSpan[]) => spans.map((s) => s.name);
const traceparent = (s: ReadableSpan) =>
  `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`;

Deno.test("a scripted run gives one CLIENT span per call with HTTP and ESI attributes", async (t) => {
  const { exporter, provider } = setup();
  const tracing = new EsiTracing({ tracerProvider: provider });
  const headers = new Map<string, Record<string, string>>();
  runScript(tracing.hooks(), { callIds: true, headers });
  const spans = exporter.getFinishedSpans();
  const span = (i: number) => spans[i];

  await t.step("names, kinds and count", () => {
    assert.deepEqual(byName(spans), [
      "GET /status",
      "GET /markets/{region_id}/orders",
      "GET /markets/{region_id}/orders",
      "GET /characters/{character_id}/assets",
      "GET /universe/types/{type_id}",
      "POST /universe/names",
      "GET /characters/{id}/new_thing",
    ]);
    assert.ok(spans.every((s) => s.kind === SpanKind.CLIENT));
    assert.equal(tracing.openSpans, 0);
  });

  await t.step("a cache hit", () => {
    assert.deepEqual(span(0).attributes, {
      "http.request.method": "GET",
      "url.full": "https://esi.evetech.net/status",
      "server.address": "esi.evetech.net",
      "server.port": 443,
      "esi.route": "/status",
      "esi.rate_limit.group": "status",
      "http.response.status_code": 200,
      "esi.cache": "hit",
      "esi.attempts": 0,
    });
    assert.equal(span(0).status.code, SpanStatusCode.UNSET);
  });

  await t.step("a miss carries the request id and the group", () => {
    assert.deepEqual(span(1).attributes, {
      "http.request.method": "GET",
      "url.full": "https://esi.evetech.net/markets/10000002/orders",
      "server.address": "esi.evetech.net",
      "server.port": 443,
      "esi.route": "/markets/{region_id}/orders",
      "esi.rate_limit.group": "market-order",
      "http.response.status_code": 200,
      "esi.cache": "miss",
      "esi.attempts": 1,
      "esi.request_id": "req-miss",
    });
  });

  await t.step("a revalidation records its wait on the rate limit", () => {
    assert.equal(span(2).attributes["esi.cache"], "revalidated");
    assert.deepEqual(span(2).events.map((e) => [e.name, e.attributes]), [
      ["limit_wait", {
        "esi.limit": "rate-limit",
        "esi.limit.wait_ms": 250,
        "esi.rate_limit.group": "market-order",
      }],
    ]);
  });

  await t.step("a retried 503 is one span with a retry event", () => {
    const s = span(3);
    assert.equal(s.attributes["esi.attempts"], 2);
    assert.equal(s.attributes["http.response.status_code"], 200);
    assert.equal(s.attributes["esi.rate_limit.group"], "char-asset");
    assert.equal(
      s.attributes["url.full"],
      "https://esi.evetech.net/characters/2112625428/assets?token=<redacted>",
    );
    assert.deepEqual(s.events.map((e) => [e.name, e.attributes]), [
      ["limit_wait", { "esi.limit": "concurrency", "esi.limit.wait_ms": 50 }],
      ["retry", { "esi.retry.attempt": 1, "esi.retry.delay_ms": 1000, "esi.retry.reason": "503" }],
    ]);
    assert.equal(s.status.code, SpanStatusCode.UNSET);
  });

  await t.step("a 404 is an error span, once, though both a response and an error came", () => {
    const s = span(4);
    assert.equal(s.attributes["http.response.status_code"], 404);
    assert.equal(s.attributes["error.type"], "404");
    assert.equal(s.status.code, SpanStatusCode.ERROR);
    assert.equal(spans.filter((x) => x.name === "GET /universe/types/{type_id}").length, 1);
  });

  await t.step("a call that fails without an answer says why", () => {
    const s = span(5);
    assert.equal(s.attributes["error.type"], "ERR_TIMEOUT");
    assert.equal(s.attributes["esi.attempts"], 2);
    assert.equal(s.attributes["http.response.status_code"], undefined);
    assert.equal(s.status.code, SpanStatusCode.ERROR);
    assert.match(s.status.message ?? "", /^Cannot POST/);
    assert.deepEqual(s.events.map((e) => e.attributes?.["esi.retry.reason"]), ["ERR_TIMEOUT"]);
  });

  await t.step("a path outside the spec is named without its ids", () => {
    assert.equal(span(6).attributes["esi.route"], "/characters/{id}/new_thing");
  });

  await t.step("each try carries the call's span as W3C traceparent", () => {
    assert.deepEqual(headers.get("miss#1"), { traceparent: traceparent(span(1)) });
    assert.deepEqual(headers.get("retried#1"), { traceparent: traceparent(span(3)) });
    assert.deepEqual(headers.get("retried#2"), { traceparent: traceparent(span(3)) });
    assert.deepEqual(headers.get("timeout#2"), { traceparent: traceparent(span(5)) });
  });
});

Deno.test("no secret reaches span names, attributes, events or status", () => {
  const { exporter, provider } = setup();
  const hooks = new EsiTracing({ tracerProvider: provider }).hooks();
  runScript(hooks, { callIds: true });
  // A client that failed to redact, and a URL with credentials in it.
  const raw = `https://user:${SECRET}@esi.evetech.net/characters/1/wallet?token=${SECRET}&page=2`;
  emit(hooks.request, {
    method: "GET",
    route: "/characters/{character_id}/wallet",
    url: raw,
    attempt: 1,
    callId: 100,
  });
  emit(hooks.error, {
    method: "GET",
    route: "/characters/{character_id}/wallet",
    url: raw,
    attempt: 1,
    callId: 100,
    error: new Error(`Got 401 for ${raw} with Authorization: Bearer ${JWT} and Basic dXNlcjpwYXNz`),
  });
  const spans = exporter.getFinishedSpans();
  const dump = JSON.stringify(
    spans.map((s) => [s.name, s.attributes, s.events, s.status]),
  );
  for (const secret of [SECRET, JWT, "dXNlcjpwYXNz", "user:"]) {
    assert.equal(dump.includes(secret), false, `spans hold ${secret}`);
  }
  const wallet = spans.at(-1)!;
  assert.equal(
    wallet.attributes["url.full"],
    "https://esi.evetech.net/characters/1/wallet?token=<redacted>&page=2",
  );
  assert.match(wallet.status.message ?? "", /Bearer <redacted>/);
});

Deno.test("interleaved calls are told apart by callId", () => {
  const { exporter, provider } = setup();
  const hooks = new EsiTracing({ tracerProvider: provider }).hooks();
  const a = {
    method: "POST",
    route: "/universe/names",
    url: "https://esi.evetech.net/universe/names",
    callId: 1,
  };
  const b = { ...a, callId: 2 };
  emit(hooks.request, { ...a, attempt: 1 });
  emit(hooks.request, { ...b, attempt: 1 });
  emit(hooks.retry, { ...b, attempt: 1, delayMs: 10, reason: "502" });
  emit(hooks.response, { ...a, status: 200, elapsedMs: 5, cache: "miss", attempt: 1 });
  emit(hooks.request, { ...b, attempt: 2 });
  emit(hooks.response, { ...b, status: 200, elapsedMs: 20, cache: "miss", attempt: 2 });
  const [first, second] = exporter.getFinishedSpans();
  assert.equal(first.attributes["esi.attempts"], 1);
  assert.equal(first.events.length, 0);
  assert.equal(second.attributes["esi.attempts"], 2);
  assert.deepEqual(second.events.map((e) => e.name), ["retry"]);
});

Deno.test("without callId, calls are told apart by method and URL", () => {
  const { exporter, provider } = setup();
  const tracing = new EsiTracing({ tracerProvider: provider });
  runScript(tracing.hooks(), { callIds: false });
  const spans = exporter.getFinishedSpans();
  assert.equal(spans.length, 7);
  assert.equal(spans[3].attributes["esi.attempts"], 2);
  assert.equal(spans[4].attributes["error.type"], "404");
  assert.equal(tracing.openSpans, 0);
  // The same URL again right after: a new span, not mistaken for the ended one.
  const hooks = tracing.hooks();
  const info = { method: "GET", route: "/status", url: "https://esi.evetech.net/status" };
  emit(hooks.request, { ...info, attempt: 1 });
  emit(hooks.error, {
    ...info,
    attempt: 1,
    error: Object.assign(new Error("down"), { code: "ERR_NETWORK" }),
  });
  assert.equal(exporter.getFinishedSpans().at(-1)?.attributes["error.type"], "ERR_NETWORK");
});

Deno.test("late events of an ended call open no span", () => {
  const { exporter, provider } = setup();
  const tracing = new EsiTracing({ tracerProvider: provider });
  const hooks = tracing.hooks();
  const call = {
    method: "GET",
    route: "/status",
    url: "https://esi.evetech.net/status",
    callId: 7,
  };
  // The caller aborted while its exchange went on for others.
  emit(hooks.error, {
    ...call,
    attempt: 0,
    error: Object.assign(new Error("aborted"), { code: "ERR_ABORTED" }),
  });
  emit(hooks.request, { ...call, attempt: 1 });
  emit(hooks.retry, { ...call, attempt: 1, delayMs: 1, reason: "503" });
  emit(hooks.request, { ...call, attempt: 2 });
  emit(hooks.error, { ...call, attempt: 0, error: new Error("again") });
  assert.equal(tracing.openSpans, 0);
  assert.equal(exporter.getFinishedSpans().length, 1);
});

Deno.test("past maxOpenSpans the oldest open span is ended as abandoned", () => {
  const { exporter, provider } = setup();
  const tracing = new EsiTracing({ tracerProvider: provider, maxOpenSpans: 2 });
  const hooks = tracing.hooks();
  for (let id = 1; id <= 3; id++) {
    emit(hooks.request, {
      method: "GET",
      route: "/status",
      url: "https://esi.evetech.net/status",
      attempt: 1,
      callId: id,
    });
  }
  assert.equal(tracing.openSpans, 2);
  const [abandoned] = exporter.getFinishedSpans();
  assert.equal(abandoned.attributes["esi.abandoned"], true);
});

Deno.test("with no tracer provider registered nothing is recorded or injected", () => {
  trace.disable();
  const tracing = new EsiTracing();
  const headers = new Map<string, Record<string, string>>();
  runScript(tracing.hooks(), { callIds: true, headers });
  assert.equal(tracing.openSpans, 0);
  assert.ok([...headers.values()].every((h) => Object.keys(h).length === 0));
});

Deno.test("a globally registered provider is found, even one registered after the adapter", () => {
  const tracing = new EsiTracing();
  const { exporter, provider } = setup();
  assert.ok(trace.setGlobalTracerProvider(provider));
  try {
    runScript(tracing.hooks(), { callIds: true });
    assert.equal(exporter.getFinishedSpans().length, 7);
    assert.equal(exporter.getFinishedSpans()[0].instrumentationScope.name, "@esikit/esi");
  } finally {
    trace.disable();
  }
  runScript(tracing.hooks(), { callIds: true });
  assert.equal(exporter.getFinishedSpans().length, 7);
});

Deno.test("a sampled-out call records nothing but still propagates its trace", () => {
  const { exporter, provider } = setup({ sampler: new AlwaysOffSampler() });
  const tracing = new EsiTracing({ tracerProvider: provider });
  const headers = new Map<string, Record<string, string>>();
  runScript(tracing.hooks(), { callIds: true, headers });
  assert.equal(exporter.getFinishedSpans().length, 0);
  assert.equal(tracing.openSpans, 0);
  assert.match(headers.get("miss#1")?.traceparent ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
});

Deno.test("the span is a child of the active span, and propagate: false adds no header", () => {
  const manager = new StackContextManager();
  assert.ok(context.setGlobalContextManager(manager));
  try {
    const { exporter, provider } = setup();
    const tracer = provider.getTracer("app");
    const hooks = new EsiTracing({ tracer, propagate: false }).hooks();
    const parent = tracer.startSpan("handle request");
    const headers = new Map<string, Record<string, string>>();
    context.with(trace.setSpan(context.active(), parent), () => {
      runScript(hooks, { callIds: true, headers });
    });
    parent.end();
    const spans = exporter.getFinishedSpans();
    const children = spans.filter((s) => s !== spans.at(-1));
    assert.equal(children.length, 7);
    for (const child of children) {
      assert.equal(child.parentSpanContext?.spanId, parent.spanContext().spanId);
      assert.equal(child.spanContext().traceId, parent.spanContext().traceId);
    }
    assert.ok([...headers.values()].every((h) => Object.keys(h).length === 0));
  } finally {
    context.disable();
  }
});

Deno.test("a registered global propagator is used for the headers", () => {
  const fields = ["x-test-trace"];
  const propagator: TextMapPropagator = {
    inject(ctx, carrier, setter) {
      const span = trace.getSpanContext(ctx);
      if (span) setter.set(carrier, "x-test-trace", `${span.traceId}/${span.spanId}`);
    },
    extract: (ctx) => ctx,
    fields: () => fields,
  };
  assert.ok(propagation.setGlobalPropagator(propagator));
  try {
    const { exporter, provider } = setup();
    const headers = new Map<string, Record<string, string>>();
    runScript(new EsiTracing({ tracerProvider: provider }).hooks(), { callIds: true, headers });
    const miss = exporter.getFinishedSpans()[1];
    assert.deepEqual(headers.get("miss#1"), {
      "x-test-trace": `${miss.spanContext().traceId}/${miss.spanContext().spanId}`,
    });
  } finally {
    propagation.disable();
  }
});

Deno.test("a hit's span is back-dated by its elapsed time", () => {
  const { exporter, provider } = setup();
  const hooks: Hooks = new EsiTracing({ tracerProvider: provider }).hooks();
  emit(hooks.response, {
    method: "GET",
    route: "/status",
    url: "https://esi.evetech.net/status",
    status: 200,
    elapsedMs: 1500,
    cache: "hit",
    attempt: 0,
    callId: 1,
  });
  const [s] = exporter.getFinishedSpans();
  const ms = s.duration[0] * 1e3 + s.duration[1] / 1e6;
  assert.ok(ms >= 1400 && ms < 5000, `${ms} ms`);
});
