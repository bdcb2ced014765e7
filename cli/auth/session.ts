/**
 * Logins kept between runs: the EVE SSO client and a `TokenManager` over the
 * encrypted token file, and an index of who is logged in (names, the
 * default character, the application's client id: nothing secret).
 *
 * @module
 */

import { join } from "node:path";
import type { TokenInput } from "../../mod.ts";
import { EncryptedTokenStore } from "../../src/sso/encrypted_token_store.ts";
import { EveSso } from "../../src/sso/eve_sso.ts";
import { TokenManager } from "../../src/sso/token_manager.ts";
import { CliError, EXIT } from "../exit.ts";
import { configDir, fileStringStore, readJson, storeKey, writeJson } from "./files.ts";

/** The index of logins, `accounts.json`. */
export interface Accounts {
  /** The EVE application the tokens were issued to. */
  clientId: string;
  /** The callback the application registered. */
  redirectUri: string;
  /** The SSO's metadata URL, when not EVE's. */
  metadataUrl?: string;
  /** The character used without `--as`. */
  default?: number;
  /** The logged-in characters, by id. */
  characters: Record<string, { name: string }>;
}

/** An SSO client and the tokens kept for it. */
export interface Session {
  /** The SSO client. */
  sso: EveSso;
  /** The tokens, refreshed as needed. */
  tokens: TokenManager;
}

/** The path of the logins index. */
export function accountsPath(): string {
  return join(configDir(), "accounts.json");
}

/**
 * Reads the logins index.
 *
 * @returns The index, or `undefined` when nobody ever logged in.
 */
export function readAccounts(): Promise<Accounts | undefined> {
  return readJson<Accounts>(accountsPath());
}

/**
 * Writes the logins index.
 *
 * @param accounts The index.
 */
export function writeAccounts(accounts: Accounts): Promise<void> {
  return writeJson(accountsPath(), accounts);
}

/**
 * Opens the SSO client and the token store for an application.
 *
 * @param app The client id, callback and SSO of the application.
 * @param userAgent The User-Agent sent to the SSO.
 * @returns The session.
 */
export async function openSession(
  app: Pick<Accounts, "clientId" | "redirectUri" | "metadataUrl">,
  userAgent: string,
): Promise<Session> {
  const dir = configDir();
  const sso = new EveSso({
    clientId: app.clientId,
    redirectUri: app.redirectUri,
    metadataUrl: app.metadataUrl,
    userAgent,
  });
  const store = new EncryptedTokenStore({
    key: await storeKey(dir),
    backend: fileStringStore(join(dir, "tokens.json")),
  });
  return { sso, tokens: new TokenManager({ sso, store }) };
}

/**
 * Finds a logged-in character by name or id, or the default one.
 *
 * @param accounts The index.
 * @param who A name or id; the default character when undefined.
 * @returns The character's id.
 * @throws {CliError} When nobody or no such character is logged in.
 */
export function findCharacter(accounts: Accounts | undefined, who: string | undefined): number {
  const ids = Object.keys(accounts?.characters ?? {});
  if (!accounts || ids.length === 0) {
    throw new CliError("Cannot find a logged-in character: run esikit login first", EXIT.login);
  }
  if (who === undefined) {
    if (accounts.default !== undefined) return accounts.default;
    return Number(ids[0]);
  }
  const wanted = who.trim().toLowerCase();
  const found = ids.find((id) =>
    id === wanted || accounts.characters[id].name.toLowerCase() === wanted
  );
  if (!found) {
    const known = ids.map((id) => `"${accounts.characters[id].name}" (${id})`).join(", ");
    throw new CliError(
      `Cannot find the logged-in character "${who}": known are ${known}`,
      EXIT.login,
    );
  }
  return Number(found);
}

/**
 * The token source of a logged-in character, for `--as`.
 *
 * @param who A name or id.
 * @param userAgent The User-Agent sent to the SSO.
 * @returns A source of valid access tokens.
 */
export async function tokenFor(who: string, userAgent: string): Promise<TokenInput> {
  const accounts = await readAccounts();
  const id = findCharacter(accounts, who);
  const { tokens } = await openSession(accounts!, userAgent);
  return tokens.source(id);
}
