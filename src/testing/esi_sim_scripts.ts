/**
 * What tests script into the ESI simulator: each route's script and
 * resource version, and the faults by route. Internal to ./esi_simulator.ts.
 *
 * @module
 */

import type { OperationMeta } from "../operation_meta.ts";
import type { OperationKey } from "../spec/operations.gen.ts";
import { type EsiSimRoute, isLazy, RouteState } from "./esi_sim_content.ts";
import { builtinRoutes, type EsiSimDataOptions } from "./esi_sim_data.ts";
import { type EsiSimFault, FaultState } from "./esi_sim_faults.ts";
import { operationByKey } from "./esi_sim_routes.ts";

/** The routes' scripts and states, and the faults, by operation key (or `"*"`). */
export class RouteScripts {
  readonly #builtins: Map<OperationKey, EsiSimRoute>;
  readonly #states = new Map<string, RouteState>();
  readonly #faults = new Map<string, FaultState[]>();

  constructor(data: EsiSimDataOptions | undefined) {
    this.#builtins = builtinRoutes(data);
  }

  /** The spec's operation of a key; throws when there is none. */
  op(key: string): OperationMeta {
    const op = operationByKey(key);
    if (!op) throw new TypeError(`Cannot script "${key}": the spec has no such operation`);
    return op;
  }

  /** A route's state, created with its built-in script on first use. */
  state(op: OperationMeta): RouteState {
    let state = this.#states.get(op.key);
    if (!state) {
      state = new RouteState();
      state.script = this.#builtins.get(op.key as OperationKey);
      this.#states.set(op.key, state);
    }
    return state;
  }

  /** Replaces a route's script: a new version, and its fault added. */
  route(key: OperationKey, script: EsiSimRoute): void {
    const state = this.state(this.op(key));
    state.script = script;
    state.gen++;
    if (script.fault) this.fault(key, script.fault);
  }

  /** Replaces a route's pages, keeping the rest of its script: a new version. */
  setPages(key: OperationKey, pages: readonly (readonly unknown[])[]): void {
    const state = this.state(this.op(key));
    // A built-in's generators give way; the script's fault is already registered.
    const { fault: _, ...rest } = isLazy(state.script) ? {} : state.script ?? {};
    state.script = { ...rest, pages };
    state.gen++;
  }

  /** A new version of a route's resources. */
  bump(key: OperationKey): void {
    this.state(this.op(key)).gen++;
  }

  /** Adds a fault to a route, or to every route with `"*"`. */
  fault(key: OperationKey | "*", fault: EsiSimFault): void {
    if (key !== "*") this.op(key);
    const list = this.#faults.get(key) ?? [];
    list.push(new FaultState(fault));
    this.#faults.set(key, list);
  }

  /** Removes the faults of a route, or all faults. */
  clearFaults(key?: OperationKey | "*"): void {
    if (key === undefined) this.#faults.clear();
    else this.#faults.delete(key);
  }

  /** The first fault that still applies to a call of a route's page. */
  takeFault(key: string, page: number): FaultState | undefined {
    for (const list of [this.#faults.get(key), this.#faults.get("*")]) {
      for (const fault of list ?? []) {
        if (fault.left > 0 && fault.perCall && fault.covers(page)) return fault;
      }
    }
    return undefined;
  }

  /** After a page answered: a turnover fault due on it makes a new version. */
  turnover(key: string, state: RouteState, page: number): void {
    for (const list of [this.#faults.get(key), this.#faults.get("*")]) {
      for (const fault of list ?? []) {
        if (fault.turnoversLeft > 0 && fault.fault.turnoverAfterPage === page) {
          fault.turnoversLeft--;
          state.gen++;
          return;
        }
      }
    }
  }
}
