/**
 * Exit codes and the one-line error report: a user's mistake or a failed
 * call is one line on stderr, never a stack trace.
 *
 * @module
 */

import { EsiError } from "../src/errors.ts";

/** The exit codes of `esikit`, documented in its `--help` and the README. */
export const EXIT = {
  /** Everything worked. */
  ok: 0,
  /** A call failed (ESI answered an error, a page failed, the network broke). */
  failed: 1,
  /** The command line was wrong: unknown route or option, bad parameter, no user agent. */
  usage: 2,
  /** A login is needed: none stored, expired, revoked, or missing a scope. */
  login: 3,
  /** `many`: some calls failed, the others' results were written. */
  partial: 4,
  /** Interrupted (Ctrl-C): the calls in flight were cancelled, nothing written. */
  interrupted: 130,
} as const;

/** The lines of `--help` that list the exit codes. */
export const EXIT_HELP = `
Exit codes:
  0    success
  1    a call failed (ESI error, failed page, network)
  2    usage: unknown route or option, bad parameter, no user agent
  3    login needed: none stored, expired, revoked, or a scope missing
  4    many: some calls failed (the others were written)
  130  interrupted (Ctrl-C): calls cancelled, no output file left`;

/** A failure the CLI reports as one line with its own exit code. */
export class CliError extends Error {
  /** The exit code. */
  readonly exitCode: number;

  /**
   * Creates the error.
   *
   * @param message One line, sentence case, naming what failed.
   * @param exitCode The exit code.
   */
  constructor(message: string, exitCode: number = EXIT.usage) {
    super(message);
    this.exitCode = exitCode;
  }
}

/**
 * The exit code of an error.
 *
 * @param error What was thrown.
 * @returns Its exit code.
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof EsiError) {
    switch (error.code) {
      case "ERR_INVALID_REQUEST":
        return EXIT.usage;
      case "ERR_MISSING_SCOPE":
      case "ERR_TOKEN_INVALID":
      case "ERR_TOKEN_REVOKED":
        return EXIT.login;
      case "ERR_ABORTED":
        return EXIT.interrupted;
    }
  }
  return EXIT.failed;
}

/**
 * Writes an error as one line on stderr, `esikit: ` first (in red on a
 * terminal unless `NO_COLOR` is set).
 *
 * @param error What was thrown.
 * @param color Whether to colour the prefix.
 */
export function reportError(error: unknown, color: boolean): void {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.replace(/\s*\n\s*/g, " ");
  const prefix = color ? "\x1b[31mesikit:\x1b[39m" : "esikit:";
  console.error(`${prefix} ${line}`);
}
