/**
 * `esikit`, the command line of esikit: typed look-ups, whole data sets with
 * a progress bar, bulk calls, and EVE SSO logins.
 *
 * Run it with `deno task cli --help`, or install it:
 *
 * ```sh
 * deno install -g -n esikit --allow-net --allow-read --allow-write --allow-env --allow-run --allow-sys jsr:@esikit/esi/cli
 * esikit get /status --user-agent "MyApp/1.0 (me@example.com)"
 * ```
 *
 * @example Running the CLI from code
 * ```ts ignore
 * import { main } from "@esikit/esi/cli";
 * Deno.exit(await main(["get", "/status", "--user-agent", "MyApp/1.0 (me@example.com)"]));
 * ```
 *
 * @module
 */

import { CommanderError } from "commander";
import { EXIT, exitCodeOf, reportError } from "./exit.ts";
import { buildProgram } from "./program.ts";
import { terminal } from "./terminal.ts";

/**
 * Runs the CLI with these arguments and returns its exit code. Ctrl-C
 * (SIGINT) cancels the calls in flight; the command then exits 130.
 *
 * @param args The arguments, without the program name.
 * @returns The exit code.
 * @example
 * ```ts ignore
 * import { main } from "@esikit/esi/cli";
 * const code = await main(["routes", "status"]);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const term = terminal();
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort(new Error("Interrupted (Ctrl-C)"));
  Deno.addSignalListener("SIGINT", onSigint);
  let code: number = EXIT.ok;
  const program = buildProgram(async (load, commandArgs, options) => {
    const { run } = await load();
    code = await run(commandArgs, options, { signal: interrupt.signal, term });
  });
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander printed its own line (help, version, or what was wrong).
      code = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    } else if (interrupt.signal.aborted) {
      reportError(
        new Error("Interrupted (Ctrl-C): the calls in flight were cancelled"),
        term.color,
      );
      code = EXIT.interrupted;
    } else {
      reportError(error, term.color);
      code = exitCodeOf(error);
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
  }
  return code;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
