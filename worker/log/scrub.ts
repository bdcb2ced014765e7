/**
 * Store errors as they may be logged: `@upstash/redis` puts the whole Redis
 * command in its error messages (`…, command was: ["set","…:session:<id>",…]`),
 * so keys (session ids, login nonces) and values (PKCE verifiers, sealed
 * tokens) would reach the log. Written by hand: a few lines, no library
 * scrubs this one client's format.
 *
 * @module
 */

/** Long runs of token characters: ids, nonces, verifiers, tokens. */
const SECRET_LIKE = /[A-Za-z0-9_+/=.-]{24,}/g;

/**
 * An error as one log-safe line: its name and message, with any Redis command
 * withheld and id- or token-like runs replaced by `[redacted]`; no stack.
 *
 * @param error What was thrown.
 * @returns The line, at most 300 characters.
 * @example
 * ```ts
 * import { scrubError } from "./scrub.ts";
 * scrubError(new Error('ERR oom, command was: ["set","gw:session:abcdefghijklmnopqrstuvwxyz"]'));
 * // "Error: ERR oom (command withheld)"
 * ```
 */
export function scrubError(error: unknown): string {
  const name = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  const withheld = message.replace(/,?\s*command was:[\s\S]*$/, " (command withheld)");
  return `${name}: ${withheld.replace(SECRET_LIKE, "[redacted]")}`.slice(0, 300);
}
