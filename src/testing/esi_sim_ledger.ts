/**
 * What the ESI simulator keeps about its traffic: the record of every
 * request, the counters, and the tests waiting for a number of requests.
 * Internal to ./esi_simulator.ts.
 *
 * @module
 */

import type { OperationMeta } from "../operation_meta.ts";
import type { OperationKey } from "../spec/operations.gen.ts";
import type { EsiSimRequest, EsiSimStats } from "./esi_sim_options.ts";

/** The requests received and the counters, since the start or the last reset. */
export class RequestLedger {
  #records: EsiSimRequest[] = [];
  #waiters: { count: number; resolve: () => void }[] = [];
  #stats: EsiSimStats = newStats();

  /** Every request received, in arrival order. */
  get requests(): readonly EsiSimRequest[] {
    return this.#records;
  }

  /** The live counters (mutated as requests come and go). */
  get live(): EsiSimStats {
    return this.#stats;
  }

  /** A snapshot of the counters. */
  get stats(): EsiSimStats {
    return { ...this.#stats, byStatus: { ...this.#stats.byStatus } };
  }

  /** Resolves once `count` requests have been received. */
  waitForRequests(count: number): Promise<void> {
    if (this.#records.length >= count) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#waiters.push({ count, resolve });
    return promise;
  }

  /** Clears the records and the counters; requests in flight stay counted. */
  reset(): void {
    this.#records = [];
    this.#stats = { ...newStats(), inFlight: this.#stats.inFlight };
  }

  /** Records a request as it arrives (the token redacted), and wakes the waiters it completes. */
  record(
    req: Request,
    url: URL,
    method: string,
    op: OperationMeta | undefined,
    at: number,
  ): EsiSimRequest {
    const headers: Record<string, string> = {};
    for (const [name, value] of req.headers) {
      headers[name] = name === "authorization"
        ? (value.startsWith("Bearer ") ? "Bearer <redacted>" : "<redacted>")
        : value;
    }
    const record: EsiSimRequest = {
      method,
      path: url.pathname,
      route: (op?.key as OperationKey | undefined) ?? null,
      query: Object.fromEntries(url.searchParams),
      headers,
      at,
    };
    this.#records.push(record);
    this.#stats.requests++;
    if (this.#waiters.length) {
      const count = this.#records.length;
      this.#waiters = this.#waiters.filter((w) => w.count > count || (w.resolve(), false));
    }
    return record;
  }

  /** Counts an answer's status. */
  answered(status: number): void {
    const stats = this.#stats;
    if (status >= 400) stats.errors++;
    stats.responses++;
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    if (status === 304) stats.status304++;
    else if (status === 420) stats.status420++;
    else if (status === 429) stats.status429++;
  }
}

function newStats(): EsiSimStats {
  return {
    requests: 0,
    responses: 0,
    byStatus: {},
    status304: 0,
    status420: 0,
    status429: 0,
    errors: 0,
    inFlight: 0,
    maxInFlight: 0,
  };
}
