/**
 * The one piece of a simulator that belongs to a runtime: listening on a
 * socket. The simulators take a {@link SimListen} in `start()`; the Deno
 * adapter (`@esikit/esi/testing/deno`) provides one, and any runtime's
 * server can (Node's `http`, Bun's `Bun.serve`) in a few lines.
 *
 * @module
 */

/**
 * A running server, as a {@link SimListen} returns it.
 *
 * @example
 * ```ts
 * import type { SimServer } from "@esikit/esi/testing";
 * const server: SimServer = { url: "http://127.0.0.1:8080", close: () => Promise.resolve() };
 * ```
 */
export interface SimServer {
  /** The origin it listens on, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Stops listening and closes its connections. */
  close(): Promise<void>;
}

/**
 * Serves a handler on a socket: what `start()` needs from the runtime.
 *
 * @example A listener for Bun
 * ```ts ignore
 * import type { SimListen } from "@esikit/esi/testing";
 * const bunListen: SimListen = (handler, { hostname, port }) => {
 *   const server = Bun.serve({ hostname, port, fetch: handler });
 *   return Promise.resolve({
 *     url: `http://${hostname}:${server.port}`,
 *     close: () => server.stop(true),
 *   });
 * };
 * ```
 */
export type SimListen = (
  handler: (req: Request) => Promise<Response>,
  options: { hostname: string; port: number },
) => Promise<SimServer>;

/**
 * The error `start()` gives without a listener.
 *
 * @param name The simulator's name, `"ESI simulator"`.
 * @returns The error.
 */
export function noListener(name: string): Error {
  return new Error(
    `Cannot start the ${name}: no listener; serve it with serve() from ` +
      `"@esikit/esi/testing/deno", pass a SimListen to start(), or call its fetch handler`,
  );
}
