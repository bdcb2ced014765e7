/**
 * `esikit whoami`: the logged-in characters, their scopes and token expiry,
 * from the sealed token store (nothing is sent).
 *
 * @module
 */

import { openSession, readAccounts } from "../auth/session.ts";
import type { GlobalOptions } from "../client.ts";
import { CliError, EXIT } from "../exit.ts";
import type { RunContext } from "../program.ts";

/**
 * Runs `whoami`.
 *
 * @param _args None.
 * @param options The global options.
 * @param _context Unused.
 * @returns The exit code.
 */
export async function run(
  _args: string[],
  options: Record<string, unknown>,
  _context: RunContext,
): Promise<number> {
  const accounts = await readAccounts();
  const ids = Object.keys(accounts?.characters ?? {});
  if (!accounts || ids.length === 0) {
    throw new CliError("Cannot tell who is logged in: nobody; run esikit login", EXIT.login);
  }
  const ua = (options as GlobalOptions).userAgent ?? Deno.env.get("ESIKIT_USER_AGENT") ?? "esikit";
  const { tokens } = await openSession(accounts, ua);
  for (const id of ids) {
    const record = await tokens.get(Number(id));
    const mark = Number(id) === accounts.default ? "*" : " ";
    const name = accounts.characters[id].name;
    const state = !record
      ? "no token stored"
      : record.revoked
      ? "revoked: log in again"
      : `access token ${
        record.expiresAt > Date.now()
          ? `expires ${new Date(record.expiresAt).toISOString()}`
          : "expired (refreshed on use)"
      }`;
    console.log(`${mark} ${name} (${id}): ${state}`);
    console.log(`    scopes: ${record?.scopes.join(" ") || "none"}`);
  }
  return EXIT.ok;
}
