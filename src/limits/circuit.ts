/**
 * The circuit breaker: while ESI keeps failing on a route group (its daily
 * downtime, an outage), calls fail fast instead of each spending its tries
 * and the error budget; one probe at a time learns when it is back.
 *
 * Kept per route group (the spec's `x-rate-limit` group, else the route):
 * one broken route must not stop the rest of ESI, and in a real outage every
 * group opens on its own within a few tries.
 *
 * @module
 */

/** Options of a {@link CircuitBreaker}. */
export interface CircuitOptions {
  /**
   * Consecutive failed tries (5xx, timeouts, network errors) that open a
   * circuit: a call that spends its retries makes four.
   * @default 10
   */
  failures?: number;
  /**
   * How long an open circuit refuses calls before it lets one probe through,
   * in milliseconds; it doubles each time a probe fails, up to `maxOpenMs`.
   * @default 10000
   */
  openMs?: number;
  /**
   * The longest an open circuit waits before probing, in milliseconds.
   * @default 120000
   */
  maxOpenMs?: number;
}

/** A circuit's state: closed (calls go), open (calls fail fast), half-open (one probe). */
export type CircuitState = "closed" | "open" | "half-open";

interface Circuit {
  failures: number;
  openUntil: number;
  openMs: number;
  probing: boolean;
}

/**
 * Circuits by key; a key is a route group or a route.
 *
 * @example
 * ```ts
 * import { CircuitBreaker } from "./circuit.ts";
 * const breaker = new CircuitBreaker({ failures: 2 });
 * breaker.settle("market-order", false, 0);
 * breaker.settle("market-order", false, 0);
 * breaker.refusal("market-order", 1); // 10000: fail fast until then
 * ```
 */
export class CircuitBreaker {
  readonly #failures: number;
  readonly #openMs: number;
  readonly #maxOpenMs: number;
  readonly #circuits = new Map<string, Circuit>();

  /**
   * Creates a breaker with every circuit closed.
   *
   * @param options Failures to open, time open, longest time open.
   */
  constructor(options: CircuitOptions = {}) {
    this.#failures = options.failures ?? 10;
    this.#openMs = options.openMs ?? 10_000;
    this.#maxOpenMs = options.maxOpenMs ?? 120_000;
  }

  /**
   * A circuit's state now.
   *
   * @param key The route group or route.
   * @param now The current time, in epoch milliseconds.
   * @returns Its state.
   */
  state(key: string, now: number): CircuitState {
    const circuit = this.#circuits.get(key);
    if (!circuit || circuit.failures < this.#failures) return "closed";
    return circuit.probing || now >= circuit.openUntil ? "half-open" : "open";
  }

  /**
   * Whether a call must fail fast: on an open circuit, and on a half-open one
   * whose probe is out.
   *
   * @param key The route group or route.
   * @param now The current time, in epoch milliseconds.
   * @returns When a probe may go (epoch milliseconds), or `undefined` when the call may go.
   */
  refusal(key: string, now: number): number | undefined {
    const circuit = this.#circuits.get(key);
    if (!circuit || circuit.failures < this.#failures) return undefined;
    if (circuit.probing) return now + 1_000; // the probe's answer decides
    return now < circuit.openUntil ? circuit.openUntil : undefined;
  }

  /**
   * Counts a call as sent: on a half-open circuit it is the one probe.
   *
   * @param key The route group or route.
   * @param now The current time, in epoch milliseconds.
   * @returns Whether the call is the probe.
   */
  admit(key: string, now: number): boolean {
    const circuit = this.#circuits.get(key);
    if (!circuit || circuit.probing || this.state(key, now) !== "half-open") return false;
    circuit.probing = true;
    return true;
  }

  /**
   * When an open circuit lets its probe go.
   *
   * @param key The route group or route.
   * @returns The time in epoch milliseconds, or `undefined` when the circuit is closed.
   */
  openUntil(key: string): number | undefined {
    const circuit = this.#circuits.get(key);
    return circuit && circuit.failures >= this.#failures ? circuit.openUntil : undefined;
  }

  /**
   * Learns from a call's outcome.
   *
   * @param key The route group or route.
   * @param ok Whether ESI answered (below 500); `false` for a 5xx, timeout or
   *   network error; `undefined` when the call ended with neither (aborted).
   * @param now The current time, in epoch milliseconds.
   * @param probe Whether the call was the half-open circuit's probe: only
   *   the probe's outcome decides between closing and opening again.
   * @returns The state the circuit changed to, or `undefined` when it did not change.
   */
  settle(
    key: string,
    ok: boolean | undefined,
    now: number,
    probe = false,
  ): CircuitState | undefined {
    const circuit = this.#circuits.get(key);
    if (ok === undefined) {
      // An abandoned probe gives its place to the next call.
      if (circuit && probe) circuit.probing = false;
      return undefined;
    }
    if (ok) {
      if (!circuit || (circuit.probing && !probe)) return undefined;
      this.#circuits.delete(key);
      return circuit.failures >= this.#failures ? "closed" : undefined;
    }
    if (!circuit) {
      this.#circuits.set(key, { failures: 1, openUntil: 0, openMs: this.#openMs, probing: false });
      return this.#failures <= 1 ? this.#open(this.#circuits.get(key)!, now) : undefined;
    }
    circuit.failures++;
    if (circuit.probing) {
      if (!probe) return undefined; // a call sent before the circuit opened: the probe decides
      // The probe failed: open again, twice as long.
      circuit.probing = false;
      circuit.openMs = Math.min(this.#maxOpenMs, circuit.openMs * 2);
      return this.#open(circuit, now);
    }
    return circuit.failures === this.#failures ? this.#open(circuit, now) : undefined;
  }

  #open(circuit: Circuit, now: number): CircuitState {
    circuit.openUntil = now + circuit.openMs;
    return "open";
  }
}
