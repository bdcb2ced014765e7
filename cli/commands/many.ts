/**
 * `esikit many <route> --ids FILE|-`: one route for many ids, in input
 * order; failures listed per id on stderr; exit 4 if any failed.
 *
 * @module
 */

import { tokenFor } from "../auth/session.ts";
import { clientOf, type GlobalOptions, userAgentOf } from "../client.ts";
import { CliError, EXIT } from "../exit.ts";
import { type Format, formatData } from "../format.ts";
import { writeOutput } from "../output.ts";
import { progressDisplay } from "../progress_bar.ts";
import type { RunContext } from "../program.ts";
import { resolveCall } from "../route.ts";

interface ManyOptions extends GlobalOptions {
  ids: string;
  param?: string[];
  format: Format;
  out?: string;
  concurrency: string;
  as?: string;
}

/**
 * Runs `many`.
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
  const opts = options as unknown as ManyOptions;
  const concurrency = Number(opts.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new CliError(
      `Cannot run many: --concurrency "${opts.concurrency}" is not a whole number`,
    );
  }
  // The one path parameter the command line leaves open takes each id.
  const probe = resolveCall(route, opts.param, "");
  const open = probe.operation.parameters.filter((p) => p.in === "path" && !(p.name in probe.path));
  if (open.length !== 1) {
    throw new CliError(
      `Cannot run many on "${probe.operation.path}": exactly one path parameter must be left open for the ids, not ${open.length}`,
    );
  }
  const name = open[0].name;
  const ids = await readIds(opts.ids);
  const calls = ids.map((id) => resolveCall(route, [...opts.param ?? [], `${name}=${id}`]));
  let esi = clientOf(opts);
  if (opts.as !== undefined) esi = esi.withToken(await tokenFor(opts.as, userAgentOf(opts)));
  const display = progressDisplay(term);
  let results;
  try {
    results = await esi.manyOf(
      probe.operation.path as "/characters/{character_id}",
      calls.map((c) => ({ path: c.path, query: c.query, signal })) as never[],
      { concurrency, onProgress: display.update },
    );
  } finally {
    display.stop();
  }
  if (signal.aborted) throw signal.reason;
  const rows: { id: string; data: unknown }[] = [];
  let failed = 0;
  results.forEach((result, i) => {
    if (result.ok) rows.push({ id: ids[i], data: result.value });
    else {
      failed++;
      console.error(`esikit: ${name} ${ids[i]}: ${result.error.message}`);
    }
  });
  const flat = opts.format === "csv" || opts.format === "table"
    ? rows.map((r) =>
      isRecord(r.data) ? { [name]: r.id, ...r.data } : { [name]: r.id, value: r.data }
    )
    : rows.map((r) => ({ [name]: numeric(r.id), data: r.data }));
  await writeOutput(await formatData(flat, opts.format), opts.out);
  return failed ? EXIT.partial : EXIT.ok;
}

async function readIds(source: string): Promise<string[]> {
  let text: string;
  try {
    text = source === "-"
      ? await new Response(Deno.stdin.readable).text()
      : await Deno.readTextFile(source);
  } catch (error) {
    throw new CliError(`Cannot read the ids from "${source}": ${(error as Error).message}`);
  }
  const ids = text.split(/[\s,]+/).filter(Boolean);
  if (ids.length === 0) throw new CliError(`Cannot run many: "${source}" holds no ids`);
  return ids;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function numeric(id: string): string | number {
  return /^\d+$/.test(id) ? Number(id) : id;
}
