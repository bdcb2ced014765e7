/**
 * The `esikit` command line: its commands, options, help and examples.
 * Argument parsing is commander's; each command's work lives in
 * `commands/`, imported only when the command runs, so `--help` stays fast.
 *
 * @module
 */

import { Command, Option } from "commander";
import { VERSION } from "../src/version.ts";
import { EXIT_HELP } from "./exit.ts";
import type { Terminal } from "./terminal.ts";

/** What every command gets besides its arguments: Ctrl-C's signal, the terminal. */
export interface RunContext {
  /** Aborted on Ctrl-C (SIGINT): calls in flight are cancelled. */
  signal: AbortSignal;
  /** Whether stderr is a terminal, and colour is wanted. */
  term: Terminal;
}

/** A command's work: its arguments, its options merged with the globals; returns the exit code. */
export type Action = (
  args: string[],
  options: Record<string, unknown>,
  context: RunContext,
) => Promise<number>;

/** Loads a command's implementation when it runs. */
export type Loader = () => Promise<{ run: Action }>;

const GLOBAL_HELP = `
Environment:
  ESIKIT_USER_AGENT    the User-Agent, when --user-agent is not given (ESI asks every app for one)
  ESIKIT_BASE_URL      the ESI base URL, when --base-url is not given
  ESIKIT_API_KEY       an esikit gateway's API key id (with --base-url pointing at its /esi)
  ESIKIT_API_SECRET    that key's secret (prefer the environment: arguments show in ps)
  ESIKIT_CLIENT_ID     your EVE application's client id, for login
  ESIKIT_CONFIG_DIR    where logins are kept (default: the user's config dir, esikit/)
  NO_COLOR             no colour; stderr not a terminal: plain progress lines, data alone on stdout
${EXIT_HELP}`;

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n${EXIT_HELP}`;
}

/**
 * Builds the program; `run` decides what each command does once parsed.
 *
 * @param run Runs a command: its loader, its arguments, its options.
 * @returns The commander program.
 */
export function buildProgram(
  run: (load: Loader, args: string[], options: Record<string, unknown>) => Promise<void>,
): Command {
  const program = new Command("esikit")
    .description("EVE Online's ESI from the command line: look-ups, whole data sets, logins.")
    .version(VERSION, "-V, --version", "print the version")
    .option("--user-agent <ua>", 'who you are, e.g. "MyApp/1.0 (me@example.com)"')
    .option("--base-url <url>", "ESI's base URL: the simulator, or an esikit gateway's /esi")
    .option("--compat-date <date>", "the X-Compatibility-Date to send, YYYY-MM-DD")
    .option("--language <lang>", "names and descriptions in en, de, fr, ja, ru, zh, ko or es")
    .option("--api-key <id>", "an esikit gateway's API key id (or ESIKIT_API_KEY)")
    .option("--api-secret <secret>", "the API key's secret (prefer ESIKIT_API_SECRET)")
    // Set before the commands are added, which inherit it: commander's errors
    // come back as exceptions (exit code 2) and read like the CLI's own lines.
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(`esikit: ${text.replace(/^error: /, "")}`),
    })
    .addHelpText("after", GLOBAL_HELP);

  const action = (load: Loader) =>
    async function (this: Command, ...params: unknown[]) {
      const command = params.at(-1) as Command;
      const args = command.processedArgs.flat().filter((a) => a !== undefined) as string[];
      await run(load, args, command.optsWithGlobals());
    };
  const collect = (value: string, list: string[] = []) => [...list, value];

  program.command("get")
    .description("GET a route: one call, or every page with --all")
    .argument("<route>", "a route template or a path: /markets/{region_id}/orders, /status")
    .option("-p, --param <name=value>", "a path or query parameter (repeat it)", collect)
    .option("--all", "every page (X-Pages, cursor or from_id), with a progress bar")
    .addOption(
      new Option("-f, --format <format>", "output format").choices([
        "json",
        "jsonl",
        "csv",
        "table",
      ])
        .default("json"),
    )
    .option("-o, --out <file>", "write to FILE (a temporary file renamed on success)")
    .option("--as <character>", "call with this logged-in character's token (name or id)")
    .addHelpText(
      "after",
      examples([
        "esikit get /status",
        "esikit get /markets/{region_id}/orders -p region_id=10000002 -p order_type=all --all --format jsonl -o orders.jsonl",
        "esikit get /markets/10000002/history -p type_id=34 --format csv",
        "esikit get /characters/{character_id}/skills --as 'Some Bloke' -p character_id=2112625428",
      ]),
    )
    .action(action(() => import("./commands/get.ts")));

  program.command("many")
    .description("GET one route for many ids, with a progress bar; results in input order")
    .argument("<route>", "a route template with one path parameter left open")
    .requiredOption(
      "--ids <file>",
      "ids, one a line (or separated by spaces or commas); - for stdin",
    )
    .option("-p, --param <name=value>", "a fixed parameter (repeat it)", collect)
    .addOption(
      new Option("-f, --format <format>", "output format").choices([
        "json",
        "jsonl",
        "csv",
        "table",
      ])
        .default("jsonl"),
    )
    .option("-o, --out <file>", "write to FILE (a temporary file renamed on success)")
    .option("--concurrency <n>", "calls in flight at once", "20")
    .option("--as <character>", "call with this logged-in character's token (name or id)")
    .addHelpText(
      "after",
      examples([
        "esikit many /characters/{character_id} --ids ids.txt",
        "printf '34\\n35\\n' | esikit many /universe/types/{type_id} --ids - --format table",
      ]),
    )
    .action(action(() => import("./commands/many.ts")));

  program.command("login")
    .description("log a character in with EVE SSO (PKCE, a loopback redirect on 127.0.0.1)")
    .option("--scopes <scopes>", "scopes to ask for, separated by spaces or commas", "")
    .option("--client-id <id>", "your EVE application's client id (or ESIKIT_CLIENT_ID)")
    .option("--port <port>", "the loopback port of the registered callback", "8400")
    .option("--sso-url <url>", "the SSO's metadata URL (default: EVE's)")
    .option("--no-browser", "print the login URL without opening a browser")
    .addHelpText(
      "after",
      examples([
        "esikit login --client-id abc123 --scopes esi-skills.read_skills.v1",
        "ESIKIT_CLIENT_ID=abc123 esikit login --no-browser",
      ]) + "\n\nRegister http://127.0.0.1:<port>/callback as your application's callback URL.",
    )
    .action(action(() => import("./commands/login.ts")));

  program.command("whoami")
    .description("the logged-in characters, their scopes and token expiry")
    .addHelpText("after", examples(["esikit whoami"]))
    .action(action(() => import("./commands/whoami.ts")));

  program.command("logout")
    .description("revoke a character's tokens at the SSO and forget them")
    .option("--as <character>", "the character (name or id); the default one otherwise")
    .addHelpText("after", examples(["esikit logout", "esikit logout --as 2112625428"]))
    .action(action(() => import("./commands/logout.ts")));

  program.command("routes")
    .description("ESI's operations: method, path, scopes, cache time, rate-limit group")
    .argument("[filter]", "keep routes whose path, id or tag contains this")
    .addOption(
      new Option("-f, --format <format>", "output format").choices([
        "json",
        "jsonl",
        "csv",
        "table",
      ])
        .default("table"),
    )
    .addHelpText("after", examples(["esikit routes market", "esikit routes --format json"]))
    .action(action(() => import("./commands/routes.ts")));

  program.command("status")
    .description("ESI's status and this client's limits")
    .addHelpText(
      "after",
      examples(["esikit status", "esikit status --base-url http://127.0.0.1:8787"]),
    )
    .action(action(() => import("./commands/status.ts")));

  return program;
}
