/**
 * Scripted faults: what goes wrong on a route, for which calls, and how a
 * response body is damaged (malformed, truncated, or cut off by a dropped
 * connection).
 *
 * @module
 */

/**
 * A fault scripted on a route. It applies to the next `times` calls that
 * match its `page` filter; every effect it lists applies to each of them.
 *
 * @example
 * ```ts
 * import type { EsiSimFault } from "@esikit/esi/testing";
 * const downtime: EsiSimFault = { statuses: [503, 503], retryAfter: 2 };
 * const slowPage3: EsiSimFault = { page: 3, latencyMs: 500, times: Infinity };
 * const turnover: EsiSimFault = { turnoverAfterPage: 1 };
 * ```
 */
export interface EsiSimFault {
  /**
   * Statuses answered instead of the route's own, one per call; 2xx and 3xx
   * entries answer normally. Past the end the last one repeats for as long
   * as `times` allows.
   */
  statuses?: readonly number[];
  /**
   * Whether the faulted statuses carry the route group's rate-limit headers.
   * @default false for 429 and 520 (the game server's own limits), true otherwise
   */
  rateLimitHeaders?: boolean;
  /**
   * Answer the faulted statuses as a proxy in front of ESI does while ESI is
   * down: none of ESI's headers (no `X-Esi-*`, no limits), though ESI still
   * counts each against the error budget.
   */
  proxy?: boolean;
  /** A `Retry-After` (seconds) on the faulted statuses. */
  retryAfter?: number;
  /** Extra latency, in milliseconds of the simulator's clock. */
  latencyMs?: number;
  /** Never answer, until the client aborts (handler mode) or the simulator stops. */
  hang?: boolean;
  /** Answer 200 with a body that is not valid JSON (correctly framed). */
  malformedJson?: boolean;
  /**
   * Answer 200 with the JSON cut mid-way: `"body"` (or `true`) sends the
   * first half with a matching `Content-Length`; `"content-length"`
   * declares the whole length, sends half and closes the connection.
   */
  truncatedJson?: boolean | "body" | "content-length";
  /** Send the status and headers, then drop the connection before the body. */
  dropConnection?: boolean;
  /**
   * After page N of the route has been served, the resource changes: a new
   * version with a later `Last-Modified` (and new data for the built-in
   * routes), as when ESI's cache turns over between pages.
   */
  turnoverAfterPage?: number;
  /** How many times `turnoverAfterPage` fires. @default 1 */
  turnovers?: number;
  /** Only calls for these pages (`?page=`, 1 when absent) are faulted. */
  page?: number | readonly number[];
  /**
   * How many matching calls the fault applies to.
   * @default `statuses.length` when there are statuses, else every call (`Infinity`)
   */
  times?: number;
}

/** A scripted fault and what is left of it. */
export class FaultState {
  /** The script. */
  readonly fault: EsiSimFault;
  /** Calls it still applies to. */
  left: number;
  /** Calls it has applied to. */
  applied = 0;
  /** Turnovers still to fire. */
  turnoversLeft: number;

  /** @param fault The script. */
  constructor(fault: EsiSimFault) {
    this.fault = fault;
    this.left = fault.times ?? (fault.statuses?.length ? fault.statuses.length : Infinity);
    this.turnoversLeft = fault.turnoverAfterPage === undefined ? 0 : fault.turnovers ?? 1;
  }

  /** Whether the fault changes single calls (and not only turns the resource over). */
  get perCall(): boolean {
    const f = this.fault;
    return !!(f.statuses?.length || f.latencyMs || f.hang || f.malformedJson || f.truncatedJson ||
      f.dropConnection);
  }

  /**
   * Whether the fault covers a call for `page`.
   *
   * @param page The page asked for.
   * @returns `true` when the filter lets it through.
   */
  covers(page: number): boolean {
    const p = this.fault.page;
    return p === undefined || (typeof p === "number" ? p === page : p.includes(page));
  }

  /**
   * Takes the fault for one call.
   *
   * @returns The status it imposes, if any.
   */
  take(): number | undefined {
    const statuses = this.fault.statuses;
    const status = statuses?.length
      ? statuses[Math.min(this.applied, statuses.length - 1)]
      : undefined;
    this.applied++;
    this.left--;
    return status;
  }
}

/** How a 200's body is damaged. */
export type BodyDamage = "malformed" | "cut" | "short" | "drop";

/**
 * The body damage a fault asks for.
 *
 * @param fault The fault.
 * @returns The damage, or `undefined`.
 */
export function damageOf(fault: EsiSimFault): BodyDamage | undefined {
  if (fault.dropConnection) return "drop";
  if (fault.truncatedJson === "content-length") return "short";
  if (fault.truncatedJson) return "cut";
  if (fault.malformedJson) return "malformed";
  return undefined;
}

const malformed = new TextEncoder().encode("<html><body>502 Bad Gateway</body>");

/**
 * Builds a damaged body. Over a real socket a short body is framed with the
 * full `Content-Length`, so the server closes the connection mid-response;
 * in handler mode, where there is no socket, the stream errors as fetch
 * does when that happens.
 *
 * @param bytes The intact body.
 * @param damage The damage.
 * @param overSocket Whether the simulator is serving over a real socket.
 * @returns The body and the `Content-Length` to declare, if it differs from the body's.
 */
export function damage(
  bytes: Uint8Array<ArrayBuffer>,
  damage: BodyDamage,
  overSocket: boolean,
): { body: BodyInit; contentLength?: number } {
  if (damage === "malformed") {
    // Valid JSON cut short and followed by an HTML error page: a proxy's answer.
    const head = bytes.subarray(0, Math.max(1, bytes.length >> 1));
    const body = new Uint8Array(head.length + malformed.length);
    body.set(head);
    body.set(malformed, head.length);
    return { body };
  }
  const sent = damage === "drop" ? bytes.subarray(0, 0) : bytes.subarray(0, bytes.length >> 1);
  if (damage === "cut") return { body: sent };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      if (sent.length) controller.enqueue(sent);
      if (overSocket) controller.close();
      else controller.error(new TypeError("error reading a body from connection"));
    },
  });
  return { body: stream, contentLength: overSocket ? bytes.length : undefined };
}
