/**
 * The arithmetic of a window counter hit, shared by every store: the check
 * and the count in one place, so the backends differ only in atomicity.
 *
 * @module
 */

import type { WindowHit, WindowOutcome } from "./types.ts";

/**
 * Counts a hit against counters read as `current` and `previous`: the check
 * and the count of every store, in one place.
 */
export function countHit(hit: WindowHit, current: number, previous: number): WindowOutcome {
  const weighted = Math.floor(previous * hit.previousWeight);
  const room = Math.max(0, hit.limit - weighted - current);
  const count = hit.count ?? 1;
  const granted = Math.min(count, room);
  const leased = granted === count && hit.lease ? Math.floor((room - granted) * hit.lease) : 0;
  const after = current + granted + leased;
  return {
    allowed: granted > 0,
    used: weighted + (granted ? after : current),
    granted,
    leased,
    current: after,
    previous,
  };
}
