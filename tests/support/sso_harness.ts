/**
 * Test harness for EVE SSO: a simulated SSO on 127.0.0.1, an {@link EveSso}
 * pointed at it, both on one fake clock, and the browser leg of a login.
 *
 * @module
 */

import { EveSso, type EveSsoOptions } from "../../src/sso/eve_sso.ts";
import { FakeClock } from "../../src/testing/fake_clock.ts";
import { SsoSimulator, type SsoSimulatorOptions } from "../../src/testing/sso_simulator.ts";
import { serve } from "../../src/testing/deno.ts";

export const PUBLIC_CLIENT = "esikit-public-client";
export const CONFIDENTIAL_CLIENT = "esikit-confidential-client";
export const CLIENT_SECRET = "confidential-secret-4b1d";
export const REDIRECT_URI = "http://127.0.0.1:9/callback";
export const CHARACTER_ID = 2112625428;

/** A running simulator, a client of it and their shared clock. */
export interface SsoRig extends AsyncDisposable {
  sim: SsoSimulator;
  sso: EveSso;
  clock: FakeClock;
}

/** Starts the simulator (both test clients registered) and an EveSso on one fake clock. */
export async function startSso(
  options: {
    confidential?: boolean;
    simulator?: Partial<SsoSimulatorOptions>;
    sso?: Partial<EveSsoOptions>;
    clock?: FakeClock;
  } = {},
): Promise<SsoRig> {
  const clock = options.clock ?? new FakeClock();
  const sim = await serve(
    await SsoSimulator.create({
      clock,
      clients: [
        { clientId: PUBLIC_CLIENT, redirectUris: [REDIRECT_URI] },
        {
          clientId: CONFIDENTIAL_CLIENT,
          clientSecret: CLIENT_SECRET,
          redirectUris: [REDIRECT_URI],
        },
      ],
      ...options.simulator,
    }),
  );
  const sso = new EveSso({
    clientId: options.confidential ? CONFIDENTIAL_CLIENT : PUBLIC_CLIENT,
    clientSecret: options.confidential ? CLIENT_SECRET : undefined,
    redirectUri: REDIRECT_URI,
    metadataUrl: sim.metadataUrl,
    clock,
    ...options.sso,
  });
  return { sim, sso, clock, [Symbol.asyncDispose]: () => sim.close() };
}

/** What the browser leg of a login hands back to the callback. */
export interface Callback {
  code: string;
  state: string;
  codeVerifier?: string;
  location: URL;
}

/** Runs `authorize` and follows the SSO's redirect as a browser would. */
export async function login(
  sso: EveSso,
  scopes: readonly string[] = ["esi-skills.read_skills.v1"],
  options: { pkce?: boolean } = {},
): Promise<Callback> {
  const { url, state, codeVerifier } = await sso.authorize({ scopes, pkce: options.pkce });
  const response = await fetch(url, { redirect: "manual" });
  await response.body?.cancel();
  if (response.status !== 302) throw new Error(`Authorize answered ${response.status}`);
  const location = new URL(response.headers.get("location")!);
  const error = location.searchParams.get("error");
  if (error) throw new Error(`Authorize refused: ${error}`);
  if (location.searchParams.get("state") !== state) throw new Error("State mismatch");
  return { code: location.searchParams.get("code")!, state, codeVerifier, location };
}
