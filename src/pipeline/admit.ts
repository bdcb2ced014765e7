/**
 * Admit: the one place a try is let through to ESI. It waits until the
 * limits seem to have room, takes its place in the concurrency gate, and only
 * then is admitted — with no await between the limits' check and the
 * admission, immediately before it is sent. A burst, a bulk or a walk all
 * pass here, so at most the error budget's room is ever in flight.
 *
 * @module
 */

import { EsiAbortError, EsiError } from "../errors.ts";
import type { Release } from "../limits/concurrency.ts";
import type { LimitSubject, Permit } from "../limits/limits.ts";
import { mergeHooks } from "../observe/hooks.ts";
import { redactUrl } from "../http/url.ts";
import type { Call, Shared } from "./types.ts";

/** An admitted try: settle the permit with its answer, release the gate when it has ended. */
export interface Admission {
  permit: Permit;
  release: Release;
}

/**
 * Waits for admission.
 *
 * @throws {EsiAbortError} When the call's signal aborts while it waits.
 * @throws {EsiCircuitOpenError} When the call's circuit is open.
 * @throws {EsiErrorLimitError} With policy `"throw"`, when the error budget has no room.
 * @throws {EsiRateLimitError} With policy `"throw"`, when the group's bucket has no room.
 */
export async function admit(shared: Shared, call: Call, subject: LimitSubject): Promise<Admission> {
  const { limits, gate } = shared;
  const hooks = call.hooks ? mergeHooks(shared.hooks, call.hooks) : shared.hooks;
  for (;;) {
    let release: Release;
    try {
      await limits.ready(subject, hooks, call.signal);
      release = await gate.acquire(call.signal);
    } catch (error) {
      if (error instanceof EsiError) throw error;
      throw new EsiAbortError(call.method, redactUrl(call.url), error);
    }
    let permit: Permit | undefined;
    try {
      permit = limits.admit(subject, hooks);
    } finally {
      if (!permit) release();
    }
    if (permit) return { permit, release };
    // Room went to another call while this one waited for the gate: wait again.
  }
}
