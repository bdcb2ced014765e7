/**
 * `esikit status`: ESI's status and this client's limits as the answer
 * reported them.
 *
 * @module
 */

import { clientOf, type GlobalOptions } from "../client.ts";
import { EXIT } from "../exit.ts";
import type { RunContext } from "../program.ts";

/**
 * Runs `status`.
 *
 * @param _args None.
 * @param options The global options.
 * @param context Ctrl-C's signal.
 * @returns The exit code.
 */
export async function run(
  _args: string[],
  options: Record<string, unknown>,
  { signal }: RunContext,
): Promise<number> {
  const esi = clientOf(options as GlobalOptions);
  const res = await esi.request("GET", "/status", { signal });
  const { data, meta } = res;
  const lines = [
    `players          ${data.players}`,
    `server version   ${data.server_version}`,
    `started          ${data.start_time}`,
    `vip              ${data.vip ?? false}`,
    `error budget     ${
      meta.errorLimit
        ? `${meta.errorLimit.remain} left, window resets in ${meta.errorLimit.reset} s`
        : "not reported"
    }`,
    `rate limit       ${
      meta.rateLimit
        ? `group ${meta.rateLimit.group}: ${meta.rateLimit.remaining} tokens left of ${meta.rateLimit.limit}`
        : "not reported"
    }`,
    `compatibility    ${meta.compatibilityDate ?? esi.compatibilityDate}`,
    `cache            ${meta.cache}, fresh until ${meta.expires?.toISOString() ?? "?"}`,
  ];
  console.log(lines.join("\n"));
  return EXIT.ok;
}
