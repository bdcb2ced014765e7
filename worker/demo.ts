/**
 * The demo's offline upstream (`deno task demo`, `ESIKIT_UPSTREAM=simulator`):
 * the ESI simulator, and the SSO simulator with a demo character already
 * logged in, so that token routes can be tried. The character's access
 * token is written to a file readable only by its owner (never to the log)
 * and removed when the gateway closes; it is signed by the SSO simulator's
 * throwaway key and valid only against this process's simulated ESI.
 *
 * @module
 */

import { esiScopes } from "../src/spec/scopes.gen.ts";
import { EsiSimulator, SsoSimulator } from "../src/testing/mod.ts";
import { serve } from "../src/testing/deno.ts";
import type { EnvRecord } from "./config.ts";
import type { Logger } from "./context.ts";

const CLIENT_ID = "esikit-demo";
const CHARACTER = { characterId: 2112625428, name: "Some Bloke" };

/** The simulators behind the demo gateway. */
export interface DemoUpstream {
  /** The ESI simulator's origin (the gateway's `ESI_BASE_URL`). */
  url: string;
  /** The gateway's EVE SSO settings, pointing at the SSO simulator. */
  env: EnvRecord;
  /** Stops both simulators and removes the token file. */
  close(): Promise<void>;
}

/**
 * Starts the simulators and logs the demo character in.
 *
 * @param callbackUrl The gateway's `/auth/callback`.
 * @param logger Told who is logged in and where the token file is.
 * @returns The upstream, its settings, and how to stop it.
 */
export async function startDemoUpstream(
  callbackUrl: string,
  logger: Logger,
): Promise<DemoUpstream> {
  const sso = await serve(
    await SsoSimulator.create({
      clients: [{ clientId: CLIENT_ID, redirectUris: [callbackUrl] }],
      character: CHARACTER,
    }),
  );
  const esi = await serve(new EsiSimulator({ verifyToken: sso.verifyToken }));
  const token = await sso.mintAccessToken({
    ...CHARACTER,
    clientId: CLIENT_ID,
    scopes: esiScopes,
    expiresIn: 86_400,
  });
  const who = `${CHARACTER.name} (${CHARACTER.characterId})`;
  let tokenFile: string | undefined;
  try {
    tokenFile = await Deno.makeTempFile({ prefix: "esikit-demo-token-" });
    await Deno.writeTextFile(tokenFile, token + "\n", { mode: 0o600 });
    logger({
      level: "info",
      msg: `demo: ${who} is logged in through the SSO simulator with every scope; ` +
        `call token routes with -H "Authorization: Bearer $(cat ${tokenFile})"`,
      tokenFile,
    });
  } catch (error) {
    // Where nothing may be written (a read-only deployment) the demo still serves public routes.
    logger({ level: "warn", msg: `demo: cannot write ${who}'s token file: ${error}` });
  }
  return {
    url: esi.url,
    env: {
      EVE_CLIENT_ID: CLIENT_ID,
      EVE_CALLBACK_URL: callbackUrl,
      EVE_SSO_METADATA_URL: sso.metadataUrl,
    },
    async close() {
      const removed = tokenFile ? Deno.remove(tokenFile).catch(() => {}) : undefined;
      await Promise.all([esi.close(), sso.close(), removed]);
    },
  };
}
