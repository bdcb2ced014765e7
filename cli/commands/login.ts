/**
 * `esikit login`: EVE SSO as a public client. PKCE, a loopback redirect on
 * 127.0.0.1, the browser opened (or the URL printed); the tokens verified,
 * sealed and kept in the user's config directory.
 *
 * @module
 */

import { userAgentOf } from "../client.ts";
import type { GlobalOptions } from "../client.ts";
import { CliError, EXIT } from "../exit.ts";
import type { RunContext } from "../program.ts";
import { openSession, readAccounts, writeAccounts } from "../auth/session.ts";
import { openBrowser } from "../auth/browser.ts";

interface LoginOptions extends GlobalOptions {
  scopes: string;
  clientId?: string;
  port: string;
  ssoUrl?: string;
  browser: boolean;
}

/**
 * Runs `login`.
 *
 * @param _args None.
 * @param options The options.
 * @param context Ctrl-C's signal.
 * @returns The exit code.
 */
export async function run(
  _args: string[],
  options: Record<string, unknown>,
  { signal }: RunContext,
): Promise<number> {
  const opts = options as unknown as LoginOptions;
  const userAgent = userAgentOf(opts);
  const clientId = opts.clientId ?? Deno.env.get("ESIKIT_CLIENT_ID");
  if (!clientId) {
    throw new CliError(
      "Cannot log in without your application's client id: pass --client-id or set ESIKIT_CLIENT_ID",
    );
  }
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError(`Cannot log in: --port "${opts.port}" is not a port number`);
  }
  const scopes = opts.scopes.split(/[\s,]+/).filter(Boolean);

  const callback = Promise.withResolvers<URLSearchParams>();
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    if (url.pathname !== "/callback") return new Response("Not found", { status: 404 });
    callback.resolve(url.searchParams);
    return new Response("esikit: logged in. You can close this window.\n");
  });
  try {
    const redirectUri = `http://127.0.0.1:${server.addr.port}/callback`;
    const app = { clientId, redirectUri, metadataUrl: opts.ssoUrl };
    const { sso, tokens } = await openSession(app, userAgent);
    const login = await sso.authorize({ scopes });
    console.error(`esikit: open this URL to log in:\n${login.url}`);
    if (opts.browser) await openBrowser(login.url);
    const onAbort = () => callback.reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    const answer = await callback.promise.finally(() =>
      signal.removeEventListener("abort", onAbort)
    );
    if (answer.get("state") !== login.state) {
      throw new CliError(
        "Cannot log in: the callback's state does not match; try again",
        EXIT.login,
      );
    }
    const code = answer.get("code");
    if (!code) {
      const why = answer.get("error_description") ?? answer.get("error") ?? "no code";
      throw new CliError(`Cannot log in: the SSO refused: ${why}`, EXIT.login);
    }
    const who = await tokens.add(
      await sso.exchangeCode(code, { codeVerifier: login.codeVerifier, signal }),
    );
    const known = await readAccounts();
    const same = known?.clientId === clientId && known?.metadataUrl === opts.ssoUrl;
    await writeAccounts({
      ...app,
      default: who.characterId,
      characters: { ...(same ? known.characters : {}), [who.characterId]: { name: who.name } },
    });
    console.error(
      `esikit: logged in as ${who.name} (${who.characterId}) with ${who.scopes.length} scopes`,
    );
    return EXIT.ok;
  } finally {
    await server.shutdown();
  }
}
