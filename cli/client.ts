/**
 * The client the commands call ESI with, from the global options and the
 * environment: user agent (required), base URL, compatibility date,
 * language, gateway API key.
 *
 * @module
 */

import { EsiClient, type EsiLanguage } from "../mod.ts";
import { CliError } from "./exit.ts";

/** The global options, as commander gives them. */
export interface GlobalOptions {
  userAgent?: string;
  baseUrl?: string;
  compatDate?: string;
  language?: string;
  apiKey?: string;
  apiSecret?: string;
}

/**
 * The user agent: `--user-agent`, else `ESIKIT_USER_AGENT`.
 *
 * @param options The global options.
 * @returns The user agent.
 * @throws {CliError} When neither is set.
 */
export function userAgentOf(options: GlobalOptions): string {
  const ua = options.userAgent ?? Deno.env.get("ESIKIT_USER_AGENT");
  if (!ua?.trim()) {
    throw new CliError(
      'Cannot call ESI without a user agent: pass --user-agent "MyApp/1.0 (me@example.com)" or set ESIKIT_USER_AGENT',
    );
  }
  return ua.trim();
}

/**
 * Builds the client.
 *
 * @param options The global options.
 * @returns The client.
 * @throws {CliError} When no user agent is given.
 * @throws {EsiRequestError} When an option is invalid (the module's message).
 */
export function clientOf(options: GlobalOptions): EsiClient {
  const userAgent = userAgentOf(options);
  const apiKey = options.apiKey ?? Deno.env.get("ESIKIT_API_KEY");
  const apiSecret = options.apiSecret ?? Deno.env.get("ESIKIT_API_SECRET");
  let esi = new EsiClient({
    userAgent,
    baseUrl: options.baseUrl ?? Deno.env.get("ESIKIT_BASE_URL"),
    ...(apiKey !== undefined || apiSecret !== undefined ? { apiKey, apiSecret } : {}),
  });
  if (options.compatDate) esi = esi.withCompatibilityDate(options.compatDate);
  if (options.language) esi = esi.withLanguage(options.language as EsiLanguage);
  return esi;
}
