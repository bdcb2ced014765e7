/**
 * `esikit get <route> [-p name=value]… [--all] [--format] [--out] [--as]`.
 *
 * @module
 */

import type { EsiClient, RequestOptions } from "../../mod.ts";
import { tokenFor } from "../auth/session.ts";
import { clientOf, type GlobalOptions, userAgentOf } from "../client.ts";
import { EXIT } from "../exit.ts";
import { type Format, formatData } from "../format.ts";
import { writeOutput } from "../output.ts";
import { progressDisplay } from "../progress_bar.ts";
import type { RunContext } from "../program.ts";
import { resolveCall, type ResolvedCall } from "../route.ts";

interface GetOptions extends GlobalOptions {
  param?: string[];
  all?: boolean;
  format: Format;
  out?: string;
  as?: string;
}

/**
 * Runs `get`.
 *
 * @param args The route.
 * @param options The options.
 * @param context Ctrl-C's signal and the terminal.
 * @returns The exit code.
 */
export async function run(
  [route]: string[],
  options: Record<string, unknown>,
  { signal, term }: RunContext,
): Promise<number> {
  const opts = options as unknown as GetOptions;
  const call = resolveCall(route, opts.param);
  let esi = clientOf(opts);
  if (opts.as !== undefined) esi = esi.withToken(await tokenFor(opts.as, userAgentOf(opts)));
  const request: RequestOptions = { path: call.path, query: call.query, signal };
  const data = opts.all ? await walk(esi, call, request, term) : await fetchOne(esi, call, request);
  await writeOutput(await formatData(data, opts.format), opts.out);
  return EXIT.ok;
}

async function fetchOne(esi: EsiClient, call: ResolvedCall, request: RequestOptions) {
  return (await esi.requestUntyped("GET", call.operation.path, request)).data;
}

/** Every page, whatever the route's pagination, with a progress display. */
async function walk(
  esi: EsiClient,
  call: ResolvedCall,
  request: RequestOptions,
  term: RunContext["term"],
): Promise<unknown> {
  const display = progressDisplay(term);
  const options = { ...request, onProgress: display.update };
  // The typed methods take any GET route here: the CLI knows it only at run time.
  const path = call.operation.path as "/markets/{region_id}/orders";
  try {
    switch (call.operation.pagination) {
      case "x-pages":
        return await esi.all(path, options as never);
      case "cursor":
        return (await esi.syncCursor(path, options as never)).records;
      case "from_id":
        return await esi.walkFromId(path, options as never);
      default:
        return await fetchOne(esi, call, request);
    }
  } finally {
    display.stop();
  }
}
