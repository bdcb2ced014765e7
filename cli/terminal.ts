/**
 * What the terminal is: whether stderr is a TTY (a progress bar) or not
 * (plain progress lines), and whether colour is wanted (`NO_COLOR`).
 *
 * @module
 */

/** How the CLI may draw on stderr. */
export interface Terminal {
  /** stderr is a terminal: draw the bar in place. */
  tty: boolean;
  /** Colour is wanted: a terminal, and `NO_COLOR` unset or empty. */
  color: boolean;
}

/**
 * Reads the terminal's state.
 *
 * @returns Whether stderr is a TTY and colour is wanted.
 */
export function terminal(): Terminal {
  const tty = Deno.stderr.isTerminal();
  const noColor = (Deno.env.get("NO_COLOR") ?? "") !== "";
  return { tty, color: tty && !noColor };
}
