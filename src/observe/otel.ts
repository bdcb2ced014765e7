/**
 * OpenTelemetry tracing of ESI calls, from the client's hooks alone: one
 * CLIENT span per call with the HTTP semantic conventions, retries as span
 * events, and W3C trace context in the outgoing headers. Without a tracer
 * provider it does nothing beyond one identity check per call.
 *
 * @module
 */

import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  propagation,
  ProxyTracerProvider,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";
import type {
  CallInfo,
  ErrorEvent,
  Hooks,
  LimitWaitEvent,
  RequestEvent,
  ResponseEvent,
  RetryEvent,
} from "./hooks.ts";
import { findOperation } from "../http/validate.ts";
import { errorCodeLabel, routeLabel } from "./labels.ts";
import { redactUrl } from "../http/url.ts";
import { VERSION } from "../version.ts";

// The types this entry point's API names, so that its documentation is whole.
export type * from "./events.ts";

/**
 * An OpenTelemetry `Tracer` from `@opentelemetry/api`, as far as the adapter
 * uses it: any `Tracer` fits.
 */
export interface OtelTracer {
  /**
   * Starts a span: OpenTelemetry's `Tracer.startSpan`.
   *
   * @param name The span's name.
   * @param options The span's options (`SpanOptions`).
   * @param context The parent context (`Context`).
   * @returns The span (`Span`).
   */
  startSpan(name: string, options?: object, context?: object): object;
}

/**
 * An OpenTelemetry `TracerProvider` from `@opentelemetry/api`, as far as the
 * adapter uses it: any `TracerProvider` fits.
 */
export interface OtelTracerProvider {
  /**
   * Returns a tracer: OpenTelemetry's `TracerProvider.getTracer`.
   *
   * @param name The instrumentation's name.
   * @param version Its version.
   * @returns The tracer.
   */
  getTracer(name: string, version?: string): OtelTracer;
}

/** Options of {@link EsiTracing}. */
export interface EsiTracingOptions {
  /**
   * The tracer to start spans with.
   * @default a tracer of `tracerProvider`
   */
  tracer?: OtelTracer;
  /**
   * The provider to take the tracer from, when no `tracer` is given.
   * @default the global provider, looked up on each call (so one registered later counts)
   */
  tracerProvider?: OtelTracerProvider;
  /**
   * Put the trace context in each request's headers: through the global
   * propagator when one is registered, else as W3C `traceparent`/`tracestate`.
   * @default true
   */
  propagate?: boolean;
  /**
   * The most spans kept open at once; past it, the oldest is ended (a call
   * whose end was never reported must not hold memory for good).
   * @default 10000
   */
  maxOpenSpans?: number;
}

const TRACER_NAME = "@esikit/esi";
// The noop provider a ProxyTracerProvider falls back to while none is registered.
const noopProvider: TracerProvider = new ProxyTracerProvider().getDelegate();
const knownMethods = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]);
const endedMemory = 1024;

interface OpenCall {
  span: Span;
  recording: boolean;
  tries: number;
  context?: Context;
}

type CallKey = number | string;

/**
 * Traces ESI calls with OpenTelemetry. Pass its hooks to the client; spans
 * go to the registered tracer provider (or the one given).
 *
 * Each call gets a CLIENT span named `"{method} {route}"` with
 * `http.request.method`, `url.full` (secrets redacted), `server.address`,
 * `server.port`, `http.response.status_code`, `error.type` on failure,
 * `esi.route`, `esi.cache`, `esi.rate_limit.group`, `esi.attempts` and
 * `esi.request_id`; each retry adds a `retry` event, each wait on a limit a
 * `limit_wait` event.
 *
 * Calls are told apart by the events' `callId`; on a client that does not
 * send one, by method and URL (concurrent identical calls then share a span).
 * Headers are injected through the request event's `setHeader`, when the
 * client offers it.
 *
 * @example
 * ```ts
 * import { EsiClient } from "@esikit/esi";
 * import { EsiTracing } from "@esikit/esi/otel";
 *
 * const tracing = new EsiTracing(); // uses the globally registered provider
 * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)", hooks: tracing.hooks() });
 * ```
 */
export class EsiTracing {
  readonly #fixedTracer?: Tracer;
  readonly #provider?: TracerProvider;
  readonly #propagate: boolean;
  readonly #maxOpen: number;
  readonly #open = new Map<CallKey, OpenCall>();
  // Call ids whose span ended, so that a late event of theirs opens no new span.
  readonly #ended = new Set<number>();
  // The call whose span ended at the event just before: a 4xx/5xx response is followed by its error.
  #justEnded?: CallKey;
  #tracerOf?: TracerProvider;
  #tracer?: Tracer;
  readonly #hooks: Required<Pick<Hooks, "request" | "response" | "retry" | "error" | "limitWait">>;

  /**
   * Creates the adapter.
   *
   * @param options The tracer (or provider), propagation, and the open-span cap.
   */
  constructor(options: EsiTracingOptions = {}) {
    this.#fixedTracer = options.tracer as Tracer | undefined;
    this.#provider = options.tracerProvider as TracerProvider | undefined;
    this.#propagate = options.propagate ?? true;
    this.#maxOpen = Math.max(1, options.maxOpenSpans ?? 10_000);
    this.#hooks = {
      request: [(e) => this.#request(e)],
      response: [(e) => this.#response(e)],
      retry: [(e) => this.#retry(e)],
      error: [(e) => this.#error(e)],
      limitWait: [(e) => this.#limitWait(e)],
    };
  }

  /**
   * The hooks that trace calls: pass them to `EsiClient`, joined with others
   * through `mergeHooks`.
   *
   * @returns A hook set.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * import { EsiMetrics } from "@esikit/esi/metrics";
   * import { mergeHooks } from "./hooks.ts";
   * import { EsiTracing } from "@esikit/esi/otel";
   * const esi = new EsiClient({
   *   userAgent: "MyApp/1.0",
   *   hooks: mergeHooks(new EsiMetrics().hooks(), new EsiTracing().hooks()),
   * });
   * ```
   */
  hooks(): Hooks {
    const h = this.#hooks;
    return {
      request: [...h.request],
      response: [...h.response],
      retry: [...h.retry],
      error: [...h.error],
      limitWait: [...h.limitWait],
    };
  }

  /**
   * How many calls have a span open now.
   *
   * @example
   * ```ts
   * import { EsiTracing } from "@esikit/esi/otel";
   * new EsiTracing().openSpans; // 0
   * ```
   */
  get openSpans(): number {
    return this.#open.size;
  }

  /** Nothing open and no provider registered: skip all work, the common case without tracing. */
  #idle(): boolean {
    return this.#open.size === 0 && this.#resolveTracer() === undefined;
  }

  /** The tracer, or `undefined` while no provider is registered. */
  #resolveTracer(): Tracer | undefined {
    if (this.#fixedTracer) return this.#fixedTracer;
    let provider = this.#provider ?? trace.getTracerProvider();
    if (provider instanceof ProxyTracerProvider) provider = provider.getDelegate();
    if (provider === noopProvider) return undefined;
    if (provider !== this.#tracerOf) {
      this.#tracerOf = provider;
      this.#tracer = provider.getTracer(TRACER_NAME, VERSION);
    }
    return this.#tracer;
  }

  #request(e: RequestEvent): void {
    if (this.#idle()) return;
    this.#justEnded = undefined;
    // Only a first try starts a span: a later one belongs to a call already ended.
    const open = this.#open.get(keyOf(e)) ?? (e.attempt === 1 ? this.#opening(e) : undefined);
    if (!open) return;
    open.tries = Math.max(open.tries, e.attempt);
    if (this.#propagate && e.setHeader) {
      open.context ??= trace.setSpan(context.active(), open.span);
      inject(open.context, open.span.spanContext(), e.setHeader);
    }
  }

  #retry(e: RetryEvent): void {
    if (this.#idle()) return;
    this.#justEnded = undefined;
    const open = this.#open.get(keyOf(e));
    if (!open?.recording) return;
    open.span.addEvent("retry", {
      "esi.retry.attempt": e.attempt,
      "esi.retry.delay_ms": e.delayMs,
      "esi.retry.reason": e.reason,
    });
  }

  #limitWait(e: LimitWaitEvent): void {
    if (this.#idle()) return;
    this.#justEnded = undefined;
    const open = this.#open.get(keyOf(e)) ?? this.#opening(e);
    if (!open?.recording) return;
    const attributes: Attributes = { "esi.limit": e.limit, "esi.limit.wait_ms": e.waitMs };
    if (e.group) attributes["esi.rate_limit.group"] = e.group;
    open.span.addEvent("limit_wait", attributes);
  }

  #response(e: ResponseEvent): void {
    if (this.#idle()) return;
    this.#justEnded = undefined;
    const key = keyOf(e);
    let open = this.#open.get(key);
    if (open) {
      this.#open.delete(key);
    } else {
      // A cache hit, or a call that joined another's exchange: its span starts now, back-dated.
      const tracer = this.#resolveTracer();
      if (!tracer) return;
      open = this.#start(tracer, e, Date.now() - Math.max(0, e.elapsedMs || 0));
      if (!open) return;
    }
    if (open.recording) {
      const span = open.span;
      span.setAttribute("http.response.status_code", e.status);
      span.setAttribute("esi.cache", e.cache);
      span.setAttribute("esi.attempts", Math.max(e.attempt, open.tries));
      if (e.requestId) span.setAttribute("esi.request_id", e.requestId);
      if (e.rateLimit?.group) span.setAttribute("esi.rate_limit.group", e.rateLimit.group);
      if (e.status >= 400) {
        span.setAttribute("error.type", String(e.status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    }
    open.span.end();
    this.#markEnded(key);
  }

  #error(e: ErrorEvent): void {
    if (this.#idle()) return;
    const justEnded = this.#justEnded;
    this.#justEnded = undefined;
    const key = keyOf(e);
    let open = this.#open.get(key);
    if (open) {
      this.#open.delete(key);
    } else {
      // An HTTP error status ended its span at the response, just before.
      if (key === justEnded || this.#wasEnded(key)) return;
      const tracer = this.#resolveTracer();
      if (!tracer) return;
      open = this.#start(tracer, e);
      if (!open) return;
    }
    if (open.recording) {
      const span = open.span;
      span.setAttribute("error.type", errorCodeLabel(e.error));
      span.setAttribute("esi.attempts", Math.max(e.attempt, open.tries));
      span.setStatus({ code: SpanStatusCode.ERROR, message: redactText(e.error.message) });
    }
    open.span.end();
    this.#markEnded(key);
  }

  /** Opens and keeps a span for a call that has none yet, unless it already ended. */
  #opening(e: CallInfo): OpenCall | undefined {
    const key = keyOf(e);
    if (this.#wasEnded(key)) return undefined;
    const tracer = this.#resolveTracer();
    const open = tracer && this.#start(tracer, e);
    if (open) this.#keep(key, open);
    return open;
  }

  #start(tracer: Tracer, e: CallInfo, startTime?: number): OpenCall | undefined {
    const span = tracer.startSpan(`${e.method.toUpperCase()} ${routeLabel(e.route)}`, {
      kind: SpanKind.CLIENT,
      startTime,
      attributes: startAttributes(e),
    }, context.active());
    const recording = span.isRecording();
    // Neither recorded nor part of a trace: nothing to keep or propagate.
    if (!recording && !isSpanContextValid(span.spanContext())) return undefined;
    return { span, recording, tries: 0 };
  }

  #keep(key: CallKey, open: OpenCall): void {
    if (this.#open.size >= this.#maxOpen) {
      const [oldestKey, oldest] = this.#open.entries().next().value!;
      this.#open.delete(oldestKey);
      if (oldest.recording) oldest.span.setAttribute("esi.abandoned", true);
      oldest.span.end();
      this.#markEnded(oldestKey);
    }
    this.#open.set(key, open);
  }

  #markEnded(key: CallKey): void {
    this.#justEnded = key;
    // Only call ids are remembered: a method-and-URL key comes back with the next call.
    if (typeof key !== "number") return;
    this.#ended.add(key);
    if (this.#ended.size > endedMemory) this.#ended.delete(this.#ended.values().next().value!);
  }

  #wasEnded(key: CallKey): boolean {
    return typeof key === "number" && this.#ended.has(key);
  }
}

function keyOf(e: CallInfo): CallKey {
  return e.callId ?? `${e.method} ${e.url}`;
}

function startAttributes(e: CallInfo): Attributes {
  const method = e.method.toUpperCase();
  const attributes: Attributes = {
    "http.request.method": knownMethods.has(method) ? method : "_OTHER",
    "url.full": safeUrl(e.url),
    "esi.route": routeLabel(e.route),
  };
  if (!knownMethods.has(method)) attributes["http.request.method_original"] = e.method;
  try {
    const url = new URL(e.url);
    attributes["server.address"] = url.hostname;
    attributes["server.port"] = url.port ? Number(url.port) : url.protocol === "http:" ? 80 : 443;
  } catch {
    // Not an absolute URL: no server attributes.
  }
  const group = findOperation(method === "HEAD" ? "GET" : method, e.route)?.rateLimit?.group;
  if (group) attributes["esi.rate_limit.group"] = group;
  return attributes;
}

/** The URL without userinfo and with secret query values hidden (the client already hides them). */
function safeUrl(url: string): string {
  return redactUrl(url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, "$1"));
}

const userinfo = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]*@/gi;
const secretParams =
  /\b((?:access_|refresh_)?token|code|client_secret|api_key|password)=[^&#\s,;)"']*/gi;
const credentials = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const jwtLike = /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

/** A message with credentials and secret values hidden, fit for a span status. */
function redactText(text: string): string {
  return text
    .replace(userinfo, "$1")
    .replace(secretParams, "$1=<redacted>")
    .replace(credentials, "$1 <redacted>")
    .replace(jwtLike, "<redacted>");
}

function inject(
  ctx: Context,
  spanContext: SpanContext,
  setHeader: (name: string, value: string) => void,
): void {
  if (propagation.fields().length > 0) {
    propagation.inject(ctx, {}, { set: (_carrier, name, value) => setHeader(name, value) });
    return;
  }
  // No propagator registered: write W3C trace context ourselves.
  if (!isSpanContextValid(spanContext)) return;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, "0");
  setHeader("traceparent", `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`);
  const state = spanContext.traceState?.serialize();
  if (state) setHeader("tracestate", state);
}
