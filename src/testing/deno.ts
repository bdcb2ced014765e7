/**
 * Serving esikit's simulators on a socket with `Deno.serve`: the one part of
 * `@esikit/esi/testing` that needs a runtime. Everything else runs anywhere
 * through the simulators' `fetch` handlers.
 *
 * @example An ESI and an SSO on 127.0.0.1
 * ```ts
 * import { EsiSimulator, SsoSimulator } from "@esikit/esi/testing";
 * import { serve } from "@esikit/esi/testing/deno";
 *
 * await using esi = await serve(new EsiSimulator());
 * await using sso = await serve(await SsoSimulator.create());
 * const res = await fetch(`${esi.url}/status`);
 * (await res.json()).players; // a number
 * sso.metadataUrl; // "http://127.0.0.1:<port>/.well-known/oauth-authorization-server"
 * ```
 *
 * @module
 */

import type { SimListen, SimServer } from "./sim_server.ts";

export type { SimListen, SimServer } from "./sim_server.ts";

/**
 * Where {@link serve} and {@link denoListen} listen.
 *
 * @example
 * ```ts
 * import type { DenoServeOptions } from "@esikit/esi/testing/deno";
 * const options: DenoServeOptions = { port: 8421 };
 * ```
 */
export interface DenoServeOptions {
  /** The port; overrides the simulator's own `port` option. @default the simulator's, else 0 (any free port) */
  port?: number;
  /** The interface. @default "127.0.0.1" */
  hostname?: string;
}

/**
 * Something {@link serve} can start: both simulators are.
 *
 * @example
 * ```ts
 * import { EsiSimulator } from "@esikit/esi/testing";
 * import type { Startable } from "@esikit/esi/testing/deno";
 * const sim: Startable = new EsiSimulator();
 * ```
 */
export interface Startable {
  /** Starts serving through the listener given. */
  start(listen?: SimListen): Promise<void>;
}

/**
 * A listener that serves with `Deno.serve`, for a simulator's `start()` or
 * its `listen` option. A handler that throws answers 500 with ESI's error body.
 *
 * @param options The port and interface, overriding the simulator's.
 * @returns The listener.
 * @example
 * ```ts
 * import { EsiSimulator } from "@esikit/esi/testing";
 * import { denoListen } from "@esikit/esi/testing/deno";
 * await using sim = new EsiSimulator({ listen: denoListen() });
 * await sim.start();
 * ```
 */
export function denoListen(options: DenoServeOptions = {}): SimListen {
  return (handler, defaults): Promise<SimServer> => {
    const hostname = options.hostname ?? defaults.hostname;
    const server = Deno.serve(
      {
        hostname,
        port: options.port ?? defaults.port,
        onListen() {},
        onError: (err) => Response.json({ error: `Simulator failure: ${err}` }, { status: 500 }),
      },
      handler,
    );
    return Promise.resolve({
      url: `http://${hostname}:${server.addr.port}`,
      close: () => server.shutdown(),
    });
  };
}

/**
 * Starts a simulator on a socket with `Deno.serve` and returns it: its `url`
 * is then the server's; `close()` it, or `await using` it.
 *
 * @param sim The ESI or SSO simulator.
 * @param options The port and interface.
 * @returns The same simulator, serving.
 * @example
 * ```ts
 * import { EsiSimulator } from "@esikit/esi/testing";
 * import { serve } from "@esikit/esi/testing/deno";
 * await using sim = await serve(new EsiSimulator(), { port: 0 });
 * sim.url; // "http://127.0.0.1:<port>"
 * ```
 */
export async function serve<T extends Startable>(
  sim: T,
  options: DenoServeOptions = {},
): Promise<T> {
  await sim.start(denoListen(options));
  return sim;
}
