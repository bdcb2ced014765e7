/**
 * What `/status.json` answers and the page shows: the current numbers and
 * the history's series, built from the registry behind `/metrics`, the
 * history's readings and the shared error budget in the store. The public
 * view is an aggregate: no settings, no tier, reason or store names, and no
 * rate-limit group whose routes need a character's token (what such a group
 * has left is one character's): an open circuit on such a group is counted,
 * not named.
 *
 * @module
 */

import type { ErrorBudget } from "../../src/limits/error_limit.ts";
import type { MetricsRegistry } from "../../src/observe/registry.ts";
import { operations } from "../../src/spec/operations.gen.ts";
import type { HistoryPoint } from "./history.ts";
import {
  counterBy,
  gaugeBy,
  latencyBounds,
  type Outcome,
  OUTCOMES,
  quantileMs,
  type Snapshot,
  takeSnapshot,
} from "./snapshot.ts";

/** ESI's error budget in a fresh window. */
const BUDGET_LIMIT = 100;

/** Which view: everything (with the token), or the public aggregate. */
export type StatusView = "full" | "public";

/** A rate-limit group in use. */
export interface GroupStatus {
  /** The group's name, as ESI names it. */
  name: string;
  /** Tokens left, as ESI last reported them. */
  remaining: number | null;
  /** Tokens the bucket holds (the spec's `x-rate-limit`). */
  size: number | null;
  /** The bucket's window, in seconds. */
  windowS: number | null;
  /** 429 answers received on the group's routes. */
  received429: number;
}

/** The circuit breaker: the route groups whose calls fail fast. */
export interface CircuitStatus {
  /** Circuits open or half-open (probing), every group counted. */
  open: number;
  /**
   * The groups (or, without one, routes) of those circuits the view may name;
   * the public view leaves out those a character's token reaches, and any the
   * spec does not know.
   */
  groups: string[];
}

/** The history's series, one value per reading, ready for uPlot. */
export interface StatusSeries {
  /** Reading times, in Unix seconds. */
  t: number[];
  /** The error budget left. */
  budget: (number | null)[];
  /** 420 answers received since the previous reading. */
  received420: (number | null)[];
  /** Calls per second by outcome, since the previous reading. */
  perSecond: Record<Outcome, (number | null)[]>;
  /** The cache hit ratio since the previous reading, 0 to 1. */
  hitRatio: (number | null)[];
  /** Upstream latency since the previous reading, in milliseconds. */
  p50Ms: (number | null)[];
  /** Upstream latency since the previous reading, in milliseconds. */
  p95Ms: (number | null)[];
  /** Refusals per reading: callers rate limited, credentials refused, store errors, deadline hits. */
  rateLimited: (number | null)[];
  /** See `rateLimited`. */
  authFailures: (number | null)[];
  /** See `rateLimited`. */
  storeErrors: (number | null)[];
  /** See `rateLimited`. */
  deadlineHits: (number | null)[];
}

/** The gateway's settings that matter, never a secret. */
export interface StatusSettings {
  /** ESI's base URL. */
  upstream: string;
  /** The shared store's kind. */
  store: string;
  /** What the limiter does when the store fails. */
  onStoreError: string;
  /** Caller tiers: requests per window. */
  tiers: { name: string; limit: number; window: string }[];
  /** Whether callers need an API key. */
  requireApiKey: boolean;
  /** The most pages merged by `?all=true`. */
  maxAllPages: number;
  /** One upstream try's timeout, in milliseconds. */
  esiTimeoutMs: number;
}

/** The answer of `/status.json`. */
export interface DashboardStatus {
  /** Which view this is. */
  view: StatusView;
  /** When it was built, in epoch milliseconds. */
  generatedAt: number;
  /** How often the page asks again, in milliseconds. */
  refreshMs: number;
  /** ESI's error budget. */
  budget: {
    /** Errors left in the window: the shared store's view, else the last one ESI reported. */
    remain: number | null;
    /** The budget of a fresh window. */
    limit: number;
    /** Below this, the gateway stops sending. */
    reserve: number;
    /** Seconds until the window resets, when known. */
    resetInS: number | null;
    /** Whether a 420 blocks every call now (known from the shared store only). */
    blocked: boolean;
    /** Where `remain` comes from. */
    source: "store" | "reported" | "unknown";
    /** 420 answers received (the goal is none). */
    received420: number;
  };
  /** Calls through the module. */
  traffic: {
    /** Calls per second by outcome, over the last interval of the history. */
    perSecond: Record<Outcome, number | null>;
    /** Calls by outcome since the start. */
    totals: Record<Outcome, number>;
    /** Hits among calls answered, over the history, 0 to 1. */
    hitRatio: number | null;
    /** Upstream latency over the history, in milliseconds. */
    p50Ms: number | null;
    /** Upstream latency over the history, in milliseconds. */
    p95Ms: number | null;
  };
  /** Since the start. */
  refusals: {
    /** Callers refused by the gateway's rate limit. */
    rateLimited: number;
    /** Caller credentials refused. */
    authFailures: number;
    /** Failures of the gateway's store and of the cache store. */
    storeErrors: number;
    /** Upstream tries that ran out their deadline. */
    deadlineHits: number;
  };
  /** Seconds calls spent waiting, by limit, since the start. */
  waits: { errorLimitS: number; rateLimitS: number; concurrencyS: number };
  /** The rate-limit groups in use. */
  groups: GroupStatus[];
  /** The circuit breaker's open circuits (`esi_circuit_open`). */
  circuits: CircuitStatus;
  /** The full view only: the settings. */
  settings?: StatusSettings;
  /** The full view only: counts by tier, reason and store. */
  detail?: {
    rateLimitedByTier: Record<string, number>;
    authFailuresByReason: Record<string, number>;
    storeErrorsByStore: Record<string, number>;
  };
  /** The history's series. */
  series: StatusSeries;
}

/** What {@link buildStatus} reads. */
export interface StatusInput {
  /** The view to build. */
  view: StatusView;
  /** The registry `/metrics` renders. */
  registry: MetricsRegistry;
  /** The history's readings, oldest first (none when it is off). */
  points: readonly HistoryPoint[];
  /** The shared error budget as the store holds it now (`undefined`: no store, or none yet). */
  shared?: ErrorBudget;
  /** The error-limit reserve. */
  reserve: number;
  /** How often the page asks again, in milliseconds. */
  refreshMs: number;
  /** The current time, in epoch milliseconds. */
  now: number;
  /** The settings shown in the full view. */
  settings: StatusSettings;
}

/**
 * Builds the status.
 *
 * @param input The view, the registry, the history, the shared budget and the settings.
 * @returns The status.
 * @example
 * ```ts ignore
 * const status = buildStatus({ view: "public", registry, points: history.points(), reserve: 10, refreshMs: 5_000, now: Date.now(), settings });
 * ```
 */
export function buildStatus(input: StatusInput): DashboardStatus {
  const { view, registry, points, shared, now } = input;
  const current = takeSnapshot(registry, now);
  const first = points[0] ?? current;
  const last = points.at(-1);
  const previous = points.at(-2);
  const bounds = latencyBounds(registry);
  const rates = last && previous ? perSecond(previous, last) : undefined;

  const fresh = shared && shared.resetAt > now;
  const remain = shared ? (fresh ? shared.remain : BUDGET_LIMIT) : current.reportedBudget;
  const waits = counterBy(registry, "esi_limit_wait_seconds_total", "limit");
  const status: DashboardStatus = {
    view,
    generatedAt: now,
    refreshMs: input.refreshMs,
    budget: {
      remain,
      limit: BUDGET_LIMIT,
      reserve: input.reserve,
      resetInS: fresh ? Math.max(0, Math.ceil((shared.resetAt - now) / 1000)) : null,
      blocked: !!shared && shared.blockedUntil > now,
      source: shared ? "store" : remain === null ? "unknown" : "reported",
      received420: current.received420,
    },
    traffic: {
      perSecond: Object.fromEntries(OUTCOMES.map((o) => [o, rates?.[o] ?? null])) as Record<
        Outcome,
        number | null
      >,
      totals: current.outcomes,
      hitRatio: hitRatio(first, current),
      p50Ms: quantileMs(bounds, first.latency, current.latency, 0.5),
      p95Ms: quantileMs(bounds, first.latency, current.latency, 0.95),
    },
    refusals: {
      rateLimited: current.rateLimited,
      authFailures: current.authFailures,
      storeErrors: current.storeErrors,
      deadlineHits: current.deadlineHits,
    },
    waits: {
      errorLimitS: round(waits["error-limit"] ?? 0),
      rateLimitS: round(waits["rate-limit"] ?? 0),
      concurrencyS: round(waits["concurrency"] ?? 0),
    },
    groups: groupsInUse(registry, view),
    circuits: openCircuits(registry, view),
    series: series(points, bounds),
  };
  if (view === "full") {
    status.settings = input.settings;
    status.detail = {
      rateLimitedByTier: counterBy(registry, "gateway_rate_limited_total", "tier"),
      authFailuresByReason: counterBy(registry, "gateway_auth_failures_total", "reason"),
      storeErrorsByStore: {
        ...counterBy(registry, "gateway_store_errors_total", "store"),
        ...prefixed("cache:", counterBy(registry, "esi_store_errors_total", "store")),
      },
    };
  }
  return status;
}

function perSecond(a: Snapshot, b: Snapshot): Record<Outcome, number> {
  const seconds = Math.max(0.001, (b.at - a.at) / 1000);
  const out = {} as Record<Outcome, number>;
  for (const o of OUTCOMES) out[o] = round(Math.max(0, b.outcomes[o] - a.outcomes[o]) / seconds);
  return out;
}

function hitRatio(a: Snapshot, b: Snapshot): number | null {
  let answered = 0;
  for (const o of OUTCOMES) answered += b.outcomes[o] - a.outcomes[o];
  return answered > 0 ? round((b.outcomes.hit - a.outcomes.hit) / answered, 4) : null;
}

function budgetAt(p: HistoryPoint): number | null {
  if (p.shared) return p.shared.resetAt > p.at ? p.shared.remain : BUDGET_LIMIT;
  return p.reportedBudget;
}

function series(points: readonly HistoryPoint[], bounds: readonly number[]): StatusSeries {
  const s: StatusSeries = {
    t: [],
    budget: [],
    received420: [],
    perSecond: { hit: [], revalidated: [], miss: [], stale: [], error: [] },
    hitRatio: [],
    p50Ms: [],
    p95Ms: [],
    rateLimited: [],
    authFailures: [],
    storeErrors: [],
    deadlineHits: [],
  };
  points.forEach((p, i) => {
    const prev = i > 0 ? points[i - 1] : undefined;
    const delta = (
      k: "received420" | "rateLimited" | "authFailures" | "storeErrors" | "deadlineHits",
    ) => prev ? Math.max(0, p[k] - prev[k]) : null;
    s.t.push(Math.round(p.at / 1000));
    s.budget.push(budgetAt(p));
    s.received420.push(delta("received420"));
    const rates = prev ? perSecond(prev, p) : undefined;
    for (const o of OUTCOMES) s.perSecond[o].push(rates ? rates[o] : null);
    s.hitRatio.push(prev ? hitRatio(prev, p) : null);
    s.p50Ms.push(prev ? quantileMs(bounds, prev.latency, p.latency, 0.5) : null);
    s.p95Ms.push(prev ? quantileMs(bounds, prev.latency, p.latency, 0.95) : null);
    s.rateLimited.push(delta("rateLimited"));
    s.authFailures.push(delta("authFailures"));
    s.storeErrors.push(delta("storeErrors"));
    s.deadlineHits.push(delta("deadlineHits"));
  });
  return s;
}

interface GroupInfo {
  size: number;
  windowMs: number;
  /** A route of the group needs a character's token. */
  perCharacter: boolean;
}

interface SpecTable {
  groups: Map<string, GroupInfo>;
  byRoute: Map<string, string>;
  /** Paths without a group (a circuit's key then), and whether one of their routes needs a token. */
  ungrouped: Map<string, boolean>;
}

let groupTable: SpecTable | undefined;

/** The spec's rate-limit groups, and each route's group, read once. */
function specGroups(): SpecTable {
  if (groupTable) return groupTable;
  const groups = new Map<string, GroupInfo>();
  const byRoute = new Map<string, string>();
  const ungrouped = new Map<string, boolean>();
  for (const op of Object.values(operations)) {
    const limit = op.rateLimit;
    if (!limit) {
      ungrouped.set(op.path, op.scopes.length > 0 || (ungrouped.get(op.path) ?? false));
      continue;
    }
    byRoute.set(`${op.method} ${op.path}`, limit.group);
    const known = groups.get(limit.group);
    // One route with a token makes the gauge a character's whenever that route answered last.
    const perCharacter = op.scopes.length > 0 || (known?.perCharacter ?? false);
    groups.set(limit.group, { size: limit.maxTokens, windowMs: limit.windowMs, perCharacter });
  }
  return groupTable = { groups, byRoute, ungrouped };
}

/** Whether the public view may name a group (or a route without one): known, and no token's. */
function nameablePublicly(name: string): boolean {
  const { groups, ungrouped } = specGroups();
  const perCharacter = groups.get(name)?.perCharacter ?? ungrouped.get(name);
  return perCharacter === false;
}

function openCircuits(registry: MetricsRegistry, view: StatusView): CircuitStatus {
  const open = Object.entries(gaugeBy(registry, "esi_circuit_open", "group"))
    .filter(([, value]) => value > 0).map(([name]) => name).sort();
  return {
    open: open.length,
    groups: view === "public" ? open.filter(nameablePublicly) : open,
  };
}

function groupsInUse(registry: MetricsRegistry, view: StatusView): GroupStatus[] {
  const { groups, byRoute } = specGroups();
  const remaining = gaugeBy(registry, "esi_rate_limit_remaining", "group");
  // 429s are counted by route template: each route's group is the spec's.
  const received: Record<string, number> = {};
  for (const [name, label] of [["esi_requests_total", "status"], ["esi_retries_total", "reason"]]) {
    const metric = registry.get(name);
    if (metric?.type !== "counter") continue;
    for (const { labels, value } of metric.samples()) {
      if (labels[label] !== "429") continue;
      const group = byRoute.get(`${labels.method ?? "GET"} ${labels.route}`) ??
        byRoute.get(`GET ${labels.route}`);
      if (group) received[group] = (received[group] ?? 0) + value;
    }
  }
  const names = new Set([...Object.keys(remaining), ...Object.keys(received)]);
  const out: GroupStatus[] = [];
  for (const name of [...names].sort()) {
    const info = groups.get(name);
    // Unknown to the spec, or per character: not for the public.
    if (view === "public" && !nameablePublicly(name)) continue;
    out.push({
      name,
      remaining: remaining[name] ?? null,
      size: info?.size ?? null,
      windowS: info ? info.windowMs / 1000 : null,
      received429: received[name] ?? 0,
    });
  }
  return out;
}

function prefixed(prefix: string, record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [prefix + k, v]));
}

function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
