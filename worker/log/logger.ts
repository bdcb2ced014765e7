/**
 * The gateway's log records and the default logger (one JSON line each on
 * standard output; the Deno entry batches its writes).
 *
 * @module
 */

/** One structured log record. */
export interface LogRecord {
  /** `info`, `warn` or `error`. */
  level: "info" | "warn" | "error";
  /** What happened, e.g. `"request"`. */
  msg: string;
  /** Anything else. */
  [field: string]: unknown;
}

/** Where log records go: one JSON line each by default. */
export type Logger = (record: LogRecord) => void;

/**
 * The default logger: one JSON line per record on standard output.
 *
 * @param record The record.
 * @example
 * ```ts
 * import { jsonLogger } from "./logger.ts";
 * jsonLogger({ level: "info", msg: "started" });
 * ```
 */
export const jsonLogger: Logger = (record) => {
  console.log(JSON.stringify({ time: new Date().toISOString(), ...record }));
};
