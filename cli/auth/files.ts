/**
 * Where logins live: the user's config directory (`ESIKIT_CONFIG_DIR`, else
 * `$XDG_CONFIG_HOME/esikit`, `%APPDATA%\esikit` or `~/.config/esikit`). The
 * token records are sealed by the module's `EncryptedTokenStore`; its key is
 * a file of its own, readable by the user alone.
 *
 * @module
 */

import type { StringStore } from "../../src/sso/encrypted_token_store.ts";
import { join } from "node:path";

/** The config directory. */
export function configDir(): string {
  const env = (name: string) => Deno.env.get(name) || undefined;
  const explicit = env("ESIKIT_CONFIG_DIR");
  if (explicit) return explicit;
  if (Deno.build.os === "windows" && env("APPDATA")) return join(env("APPDATA")!, "esikit");
  const base = env("XDG_CONFIG_HOME") ?? join(env("HOME") ?? ".", ".config");
  return join(base, "esikit");
}

/**
 * Reads a JSON file.
 *
 * @param path The file.
 * @returns Its value, or `undefined` when there is no such file.
 */
export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Writes a JSON file readable by the user alone: a temporary file renamed
 * over the old one, so a crash never leaves half a file.
 *
 * @param path The file.
 * @param value The value.
 */
export async function writeJson(path: string, value: unknown): Promise<void> {
  const dir = join(path, "..");
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = `${path}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(temp, JSON.stringify(value, null, 2) + "\n", { mode: 0o600 });
  await Deno.rename(temp, path);
}

/**
 * The AES key of the token store: 32 random bytes made on first use.
 *
 * @param dir The config directory.
 * @returns The key's bytes.
 */
export async function storeKey(dir: string): Promise<Uint8Array> {
  const path = join(dir, "key");
  try {
    return await Deno.readFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const key = crypto.getRandomValues(new Uint8Array(32));
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  await Deno.writeFile(path, key, { mode: 0o600, createNew: true });
  return key;
}

/**
 * A string store over one JSON file: what `EncryptedTokenStore` seals its
 * records into.
 *
 * @param path The file.
 * @returns The store.
 */
export function fileStringStore(path: string): StringStore {
  const load = async () => (await readJson<Record<string, string>>(path)) ?? {};
  return {
    get: async (key) => (await load())[key],
    set: async (key, value) => {
      const all = await load();
      all[key] = value;
      await writeJson(path, all);
    },
    delete: async (key) => {
      const all = await load();
      delete all[key];
      await writeJson(path, all);
    },
  };
}
