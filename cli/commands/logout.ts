/**
 * `esikit logout [--as character]`: revokes the character's refresh token at
 * the SSO and forgets it.
 *
 * @module
 */

import { findCharacter, openSession, readAccounts, writeAccounts } from "../auth/session.ts";
import type { GlobalOptions } from "../client.ts";
import { EXIT } from "../exit.ts";
import type { RunContext } from "../program.ts";

/**
 * Runs `logout`.
 *
 * @param _args None.
 * @param options `as`, and the global options.
 * @param _context Unused.
 * @returns The exit code.
 */
export async function run(
  _args: string[],
  options: Record<string, unknown>,
  _context: RunContext,
): Promise<number> {
  const accounts = await readAccounts();
  const id = findCharacter(accounts, options.as as string | undefined);
  const ua = (options as GlobalOptions).userAgent ?? Deno.env.get("ESIKIT_USER_AGENT") ?? "esikit";
  const { tokens } = await openSession(accounts!, ua);
  await tokens.revoke(id);
  const { name } = accounts!.characters[id];
  delete accounts!.characters[id];
  if (accounts!.default === id) {
    const next = Object.keys(accounts!.characters)[0];
    accounts!.default = next === undefined ? undefined : Number(next);
  }
  await writeAccounts(accounts!);
  console.error(`esikit: logged out ${name} (${id})`);
  return EXIT.ok;
}
