/**
 * Runs the real `esikit` CLI as a subprocess: `deno run cli/mod.ts`, with a
 * config directory of its own, no colour, and stdout, stderr and the exit
 * code collected.
 */

import { fileURLToPath } from "node:url";

/** The CLI's entry point. */
export const CLI = fileURLToPath(new URL("../../cli/mod.ts", import.meta.url));

/** The permissions the CLI runs with (those of `deno task cli`). */
export const CLI_PERMISSIONS = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-run",
  "--allow-sys",
];

/** What a run printed and how it ended. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of a run. */
export interface CliOptions {
  /** Extra environment (a `undefined` value unsets a variable). */
  env?: Record<string, string | undefined>;
  /** Text written to stdin. */
  stdin?: string;
  /** The config directory (logins); a fresh temporary one by default. */
  configDir?: string;
}

/** The environment of every run: a user agent, no colour, a config dir. */
export function cliEnv(options: CliOptions, configDir: string): Record<string, string> {
  const env: Record<string, string> = {
    ...Deno.env.toObject(),
    ESIKIT_USER_AGENT: "esikit-cli-tests/1.0 (dev@example.com)",
    ESIKIT_CONFIG_DIR: configDir,
    NO_COLOR: "1",
  };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** Spawns the CLI, for a test that acts while it runs (SIGINT). */
export function spawnCli(args: string[], options: CliOptions = {}): Deno.ChildProcess {
  const configDir = options.configDir ?? Deno.makeTempDirSync({ prefix: "esikit-cli-" });
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...CLI_PERMISSIONS, CLI, ...args],
    env: cliEnv(options, configDir),
    clearEnv: true,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Runs the CLI to its end. */
export async function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const child = spawnCli(args, options);
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

/** The lines of a text, without the empty last one. */
export function lines(text: string): string[] {
  return text.split("\n").filter((l, i, all) => l !== "" || i < all.length - 1);
}
