/**
 * Calling hooks: one event to a list of hooks, shielded from their failures,
 * and several hook sets joined. The events and the `Hooks` shape are
 * `events.ts`.
 *
 * @module
 */

import type { Hook, Hooks } from "./events.ts";

export type * from "./events.ts";

/**
 * Calls each hook of a list with an event, shielding the caller from hooks
 * that throw or reject.
 *
 * @param hooks The hooks to call; `undefined` calls none.
 * @param event The event.
 * @example
 * ```ts
 * import { emit } from "./hooks.ts";
 * emit([() => { throw new Error("ignored"); }], { characterId: 1, outcome: "success" });
 * ```
 */
export function emit<E>(hooks: readonly Hook<E>[] | undefined, event: E): void {
  if (!hooks) return;
  for (const hook of hooks) {
    try {
      const result = hook(event);
      if (result instanceof Promise) result.catch(() => {});
    } catch {
      // A hook never breaks a request.
    }
  }
}

/**
 * Joins hook sets: each list of the result holds the lists of every set in
 * order.
 *
 * @param sets The hook sets to join.
 * @returns One hook set.
 * @example
 * ```ts
 * import { mergeHooks } from "./hooks.ts";
 * const hooks = mergeHooks({ retry: [() => {}] }, { retry: [() => {}] });
 * hooks.retry?.length; // 2
 * ```
 */
export function mergeHooks(...sets: (Hooks | undefined)[]): Hooks {
  const merged: Record<string, Hook<never>[]> = {};
  for (const set of sets) {
    if (!set) continue;
    for (const [name, list] of Object.entries(set)) {
      if (list?.length) (merged[name] ??= []).push(...list);
    }
  }
  return merged as Hooks;
}
