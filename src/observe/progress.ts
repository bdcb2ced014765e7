/**
 * Progress of long calls (`all()`, `pages()`, `many()`, `syncCursor()`,
 * `walkFromId()`): what is done, what is left, and what held it back. The
 * numbers come from the same places the hooks and metrics read: each
 * answer's `meta` and the `limitWait` events of the walk's own calls.
 *
 * A walk without `onProgress` creates no tracker: it pays one `undefined`
 * check per page.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import type { ErrorLimitInfo, EsiMeta, RateLimitInfo } from "../http/meta.ts";
import type { Hooks, LimitKind, LimitWaitEvent } from "./hooks.ts";

/** What a long call counts: X-Pages pages, cursor or `from_id` batches, or bulk calls. */
export type ProgressUnit = "pages" | "batches" | "calls";

/** Time the walk's calls spent waiting for ESI's limits before they could be sent. */
export interface ProgressWaits {
  /** How many waits. */
  count: number;
  /** Their total, in milliseconds. */
  totalMs: number;
  /** The total by limit, in milliseconds. */
  byLimit: Partial<Record<LimitKind, number>>;
  /** The latest wait: which limit, which rate-limit group, how long. */
  last?: { limit: LimitKind; group?: string; waitMs: number };
}

/**
 * A snapshot of a long call's progress, passed to `onProgress`.
 *
 * @example
 * ```ts
 * import type { Progress } from "@esikit/esi";
 * const show = (p: Progress) =>
 *   `${p.done}/${p.total ?? "?"} ${p.unit}, ${p.records} records, ETA ${p.etaMs ?? "?"} ms`;
 * ```
 */
export interface Progress {
  /** The route template. */
  route: string;
  /** What `done` and `total` count. */
  unit: ProgressUnit;
  /** Pages, batches or calls done (in this round, after a restart). */
  done: number;
  /** How many there are, once known (X-Pages after page 1; bulk from the start). */
  total?: number;
  /** Records received in this round (array items; 1 for an object body). */
  records: number;
  /** Body bytes received, every round included. */
  bytes: number;
  /** Calls that failed (bulk only: a failed page ends a walk). */
  failed: number;
  /** How many times the walk started over because the resource changed mid-fetch. */
  restarts: number;
  /** Time spent waiting for limits, and why. */
  waits: ProgressWaits;
  /** ESI's error budget as the latest answer reported it. */
  errorLimit?: ErrorLimitInfo;
  /** The route group's tokens as the latest answer reported them. */
  rateLimit?: RateLimitInfo;
  /** Milliseconds since the walk started. */
  elapsedMs: number;
  /** Estimated milliseconds left, once `total` is known and something is done. */
  etaMs?: number;
  /** True in the last snapshot of a walk that completed. */
  finished: boolean;
}

/** Receives progress snapshots; what it throws is ignored. */
export type ProgressListener = (progress: Readonly<Progress>) => void;

/** The progress option of a long call. */
export interface ProgressOptions {
  /**
   * Called after each page, batch or call, after each limit wait, on each
   * restart and once at the end (`finished: true`).
   */
  onProgress?: ProgressListener;
}

/**
 * What a walk hands to each call it makes while progress is tracked: the
 * hooks that count the call's limit waits, and a slot for the answer's meta
 * (bytes, the error budget, the group's tokens), which the fetcher fills.
 *
 * @example A fetcher of `syncCursor` that reports its answers
 * ```ts
 * import { EsiClient } from "@esikit/esi";
 * import { type ProgressContext } from "./progress.ts";
 * declare const esi: EsiClient;
 * const fetchBatch = async (cursor: { before?: string }, context?: ProgressContext) => {
 *   const res = await esi.requestUntyped("GET", "/corporations/98000001/projects", {
 *     query: cursor,
 *     hooks: context?.hooks,
 *   });
 *   if (context) context.meta = res.meta;
 *   return res.data;
 * };
 * ```
 */
export interface ProgressContext {
  /** Give to the call: its limit waits are counted. */
  hooks: Pick<Hooks, "limitWait">;
  /** Set to the answer's meta. */
  meta?: EsiMeta;
}

/**
 * One answer as a walk counts it.
 *
 * @example
 * ```ts
 * import type { ProgressAnswer } from "./progress.ts";
 * const answer: ProgressAnswer = { data: [1, 2, 3] };
 * ```
 */
export interface ProgressAnswer {
  /** The decoded body: an array counts its items as records. */
  data: unknown;
  /** The answer's meta: bytes and limits are read from it. */
  meta?: EsiMeta;
}

/**
 * Counts one walk and reports snapshots to a listener. Walkers create it with
 * {@link trackProgress} and hand {@link ProgressTracker.hooks} to the calls
 * they make, so limit waits are the `limitWait` events of those calls.
 *
 * @example
 * ```ts
 * import { systemClock } from "../clock.ts";
 * import { ProgressTracker } from "./progress.ts";
 * const tracker = new ProgressTracker("/status", "calls", (p) => console.log(p.done), systemClock);
 * tracker.setTotal(1);
 * tracker.step({ data: { players: 1 } });
 * tracker.finish();
 * ```
 */
export class ProgressTracker {
  readonly #listener: ProgressListener;
  readonly #clock: Pick<Clock, "now">;
  readonly #started: number;
  #roundStarted: number;
  readonly #state: Progress;

  /** Pass to the walk's calls: their limit waits are counted here. */
  readonly hooks: Pick<Hooks, "limitWait">;

  /**
   * Creates a tracker.
   *
   * @param route The route template.
   * @param unit What is counted.
   * @param listener Receives the snapshots.
   * @param clock The clock for elapsed time and the estimate.
   */
  constructor(
    route: string,
    unit: ProgressUnit,
    listener: ProgressListener,
    clock: Pick<Clock, "now">,
  ) {
    this.#listener = listener;
    this.#clock = clock;
    this.#started = this.#roundStarted = clock.now();
    this.#state = {
      route,
      unit,
      done: 0,
      records: 0,
      bytes: 0,
      failed: 0,
      restarts: 0,
      waits: { count: 0, totalMs: 0, byLimit: {} },
      elapsedMs: 0,
      finished: false,
    };
    this.hooks = { limitWait: [(event) => this.waited(event)] };
  }

  /**
   * A context for one call of the walk.
   *
   * @returns The hooks to give the call, and a slot for its meta.
   */
  context(): ProgressContext {
    return { hooks: this.hooks };
  }

  /**
   * Sets how many pages, batches or calls there are.
   *
   * @param total The count.
   */
  setTotal(total: number): void {
    this.#state.total = total;
  }

  /**
   * Counts one page, batch or call done and reports.
   *
   * @param answer Its data and meta.
   * @param records Records it brought, when not the data's length.
   */
  step(answer: ProgressAnswer, records?: number): void {
    const s = this.#state;
    s.done++;
    s.records += records ?? (Array.isArray(answer.data) ? answer.data.length : 1);
    const meta = answer.meta;
    if (meta) {
      s.bytes += meta.bytes ?? 0;
      if (meta.errorLimit) s.errorLimit = meta.errorLimit;
      if (meta.rateLimit) s.rateLimit = meta.rateLimit;
    }
    this.#report();
  }

  /** Counts one failed call (bulk) and reports. */
  fail(): void {
    this.#state.done++;
    this.#state.failed++;
    this.#report();
  }

  /** The resource changed mid-fetch: the walk starts over. */
  restart(): void {
    const s = this.#state;
    s.restarts++;
    s.done = 0;
    s.records = 0;
    s.total = undefined;
    this.#roundStarted = this.#clock.now();
    this.#report();
  }

  /**
   * Counts a limit wait of one of the walk's calls and reports.
   *
   * @param event The `limitWait` event.
   */
  waited(event: LimitWaitEvent): void {
    const waits = this.#state.waits;
    waits.count++;
    waits.totalMs += event.waitMs;
    waits.byLimit[event.limit] = (waits.byLimit[event.limit] ?? 0) + event.waitMs;
    waits.last = { limit: event.limit, group: event.group, waitMs: event.waitMs };
    this.#report();
  }

  /** The walk completed: reports a last snapshot with `finished: true`. */
  finish(): void {
    this.#state.finished = true;
    this.#report();
  }

  #report(): void {
    const s = this.#state;
    const now = this.#clock.now();
    s.elapsedMs = now - this.#started;
    s.etaMs = undefined;
    if (s.finished) s.etaMs = 0;
    else if (s.total !== undefined && s.done > 0) {
      s.etaMs = Math.round((now - this.#roundStarted) / s.done * (s.total - s.done));
    }
    try {
      // A copy per snapshot: a listener may keep it.
      const waits = s.waits;
      this.#listener({ ...s, waits: { ...waits, byLimit: { ...waits.byLimit } } });
    } catch {
      // A listener never breaks a walk.
    }
  }
}

/**
 * A tracker when there is a listener, `undefined` otherwise: walks without
 * `onProgress` pay nothing more.
 *
 * @param route The route template.
 * @param unit What is counted.
 * @param listener The listener, if any.
 * @param clock The clock.
 * @returns The tracker, or `undefined`.
 * @example
 * ```ts
 * import { systemClock } from "../clock.ts";
 * import { trackProgress } from "./progress.ts";
 * trackProgress("/status", "calls", undefined, systemClock); // undefined
 * ```
 */
export function trackProgress(
  route: string,
  unit: ProgressUnit,
  listener: ProgressListener | undefined,
  clock: Pick<Clock, "now">,
): ProgressTracker | undefined {
  return listener ? new ProgressTracker(route, unit, listener, clock) : undefined;
}
