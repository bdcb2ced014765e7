/**
 * Decide: what one try's outcome means for the call — try again (and when),
 * refresh the token, merge a 304, answer, or fail. A pure function of the
 * outcome and the policy: every exit of the pipeline's loop is listed here.
 *
 * @module
 */

import type { EsiError } from "../errors.ts";
import { backoffDelay, parseRetryAfter, type RetryPolicy } from "../http/retry.ts";
import type { LimitPolicy } from "../limits/limits.ts";
import type { Outcome } from "./transport.ts";

/** What the pipeline does next. */
export type Decision =
  /** Try again after `delayMs`; `limit` when ESI refused at its limits (420/429). */
  | { action: "retry"; delayMs: number; reason: string; limit?: boolean }
  /** The token expired: refresh it and try once more. */
  | { action: "refresh-token" }
  /** Nothing changed: the stored body with the 304's freshness. */
  | { action: "merge-304" }
  /** No usable answer: a stale entry if one may serve, else the error. */
  | { action: "fail"; error: EsiError }
  /** ESI's answer; for a 5xx, a stale entry serves instead where one may. */
  | { action: "answer"; preferStale: boolean };

/** What the decision depends on besides the outcome. */
export interface DecideContext {
  /** This try's number, from 1. */
  attempt: number;
  policy: Readonly<RetryPolicy>;
  limitsPolicy: LimitPolicy;
  /** Tries already repeated after a 420 or 429. */
  limitRetries: number;
  /** Whether a 401 may refresh the token (a source that can, not yet refreshed). */
  canRefresh: boolean;
  /** Whether a stored entry was revalidated. */
  hasStored: boolean;
  method: string;
  now: number;
}

/** Decides what a try's outcome leads to. */
export function decide(outcome: Outcome, ctx: DecideContext): Decision {
  const { policy, attempt } = ctx;
  const canRetry = policy.methods.includes(ctx.method) && attempt <= policy.limit;
  if ("failure" in outcome) {
    const { failure } = outcome;
    const worth = failure.code === "ERR_TIMEOUT" ? policy.timeouts : policy.networkErrors;
    if (outcome.transient && worth && canRetry) {
      return { action: "retry", delayMs: backoffDelay(policy, attempt), reason: failure.code };
    }
    return { action: "fail", error: failure };
  }
  const { status, headers } = outcome.response;
  if (status === 401 && ctx.canRefresh) return { action: "refresh-token" };
  if (status === 304 && ctx.hasStored) return { action: "merge-304" };
  // A 420 or 429 was refused before ESI did any work: any method may try
  // again, once the limits (which have just learnt of it) let it through.
  if ((status === 420 || status === 429) && ctx.limitsPolicy === "wait") {
    if (ctx.limitRetries < policy.limit) {
      return { action: "retry", delayMs: 0, reason: String(status), limit: true };
    }
  }
  if (policy.statuses.includes(status) && canRetry) {
    const retryAfter = parseRetryAfter(headers.get("retry-after"), ctx.now);
    if (retryAfter === undefined || retryAfter <= policy.maxRetryAfterMs) {
      return {
        action: "retry",
        delayMs: retryAfter ?? backoffDelay(policy, attempt),
        reason: String(status),
      };
    }
  }
  return { action: "answer", preferStale: status >= 500 };
}
