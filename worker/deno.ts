/**
 * The Deno entry, also the Deno Deploy entry: `Deno.serve` with the embedded
 * defaults — Deno KV for responses, nonces and the caller limiter — unless
 * Upstash is configured. No account needed:
 *
 * ```sh
 * npx -y deno@2 task start                      # http://127.0.0.1:8787, upstream esi.evetech.net
 * npx -y deno@2 task demo                       # http://127.0.0.1:8788, offline, the ESI simulator
 * ```
 *
 * Entry settings besides the gateway's (see `config.ts`): `PORT` (8787; 8788
 * with the simulator, so that both run side by side), `HOST` (127.0.0.1),
 * `DENO_KV_PATH` (Deno's default location), `ESIKIT_UPSTREAM` (`esi` or
 * `simulator`). A start-up failure (a bad setting, a port in use, a Deno KV
 * path that cannot be opened) is one line on standard error and exit code 1.
 *
 * @module
 */

import { DenoKvCache } from "../src/cache/deno_kv.ts";
import { VERSION } from "../src/version.ts";
import { type ConfigDefaults, ConfigError, type EnvRecord, loadConfig } from "./config.ts";
import { jsonLogger, type Logger } from "./context.ts";
import { createGateway, type Gateway } from "./gateway.ts";
import { TieredCache } from "../src/cache/tiered.ts";

/** The most bytes of log lines {@link stdoutLogger} writes at once. */
const BATCH_BYTES = 64 * 1024;

/** Options of {@link stdoutLogger}. */
export interface StdoutLoggerOptions {
  /**
   * The longest a line waits to be written, in milliseconds.
   * @default 20
   */
  intervalMs?: number;
  /**
   * Writes some of the bytes, returning how many (as `Deno.stdout.writeSync`).
   * @default Deno.stdout.writeSync
   */
  write?: (bytes: Uint8Array) => number;
}

/**
 * A logger that writes JSON lines to standard output in batches: one write
 * every `intervalMs` (or every 64 KiB) rather than one per line, which
 * under load costs a third of a cache hit's time otherwise. Each line starts
 * with the record's `time` (now, unless it has one). `flush()` writes what is
 * left (the entry calls it on shutdown).
 *
 * @param options The interval and where the bytes go.
 * @returns The logger and its flush.
 * @example
 * ```ts ignore
 * const { logger, flush } = stdoutLogger();
 * logger({ level: "info", msg: "hello" });
 * flush();
 * ```
 */
export function stdoutLogger(
  { intervalMs = 20, write = (bytes) => Deno.stdout.writeSync(bytes) }: StdoutLoggerOptions = {},
): { logger: Logger; flush(): void } {
  const encoder = new TextEncoder();
  // Lines are encoded into one buffer as they come: a batch kept as a growing
  // string cost a cache hit ~3 µs (allocation, page faults, encoding it whole).
  const buffer = new Uint8Array(BATCH_BYTES);
  let used = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Formatting a date costs more than the rest of a line: once per millisecond.
  let stampedAt = NaN;
  let stamp = "";
  const now = () => {
    const ms = Date.now();
    if (ms !== stampedAt) stamp = JSON.stringify(new Date(stampedAt = ms).toISOString());
    return stamp;
  };
  const writeAll = (bytes: Uint8Array) => {
    for (let at = 0; at < bytes.length;) at += write(bytes.subarray(at));
  };
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (!used) return;
    writeAll(buffer.subarray(0, used));
    used = 0;
  };
  const logger: Logger = (record) => {
    // The record's own fields after the time, without copying it into another
    // object (unless it has a time of its own, which wins as it did).
    const fields = JSON.stringify("time" in record ? { ...record, time: undefined } : record);
    const time = "time" in record ? JSON.stringify(record.time) : now();
    const line = `{"time":${time}${fields.length > 2 ? "," : ""}${fields.slice(1)}\n`;
    // A UTF-16 unit is at most 3 bytes of UTF-8.
    if (line.length * 3 > buffer.length - used) flush();
    if (line.length * 3 > buffer.length) return writeAll(encoder.encode(line));
    used += encoder.encodeInto(line, buffer.subarray(used)).written;
    // Per turn of the event loop would be one write per request when requests
    // finish one at a time; a short interval batches them all the same.
    timer ??= setTimeout(flush, intervalMs);
  };
  return { logger, flush };
}

/** Options of {@link serveGateway}; each defaults to the environment's setting. */
export interface ServeGatewayOptions {
  /**
   * The environment.
   * @default Deno.env.toObject()
   */
  env?: EnvRecord;
  /** Ends the server when aborted. */
  signal?: AbortSignal;
  /**
   * Where log records go.
   * @default one JSON line each on standard output
   */
  logger?: Logger;
}

/** A gateway being served. */
export interface RunningGateway {
  /** Where it listens, e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** ESI's base URL it proxies to (the simulator's, in demo mode). */
  upstream: string;
  /** The app and its dependencies. */
  gateway: Gateway;
  /** Stops serving and closes Deno KV (and the simulator). */
  close(): Promise<void>;
}

interface Simulator {
  url: string;
  close(): Promise<void>;
}

/**
 * Checks the settings, opens Deno KV, and serves the gateway.
 *
 * @param options The environment, an abort signal and the logger.
 * @returns The running gateway.
 * @throws {ConfigError} Listing every bad or missing setting.
 * @example
 * ```ts ignore
 * import { serveGateway } from "./deno.ts";
 * const running = await serveGateway({ env: { PORT: "0", ESIKIT_UPSTREAM: "simulator" } });
 * console.log(running.url);
 * await running.close();
 * ```
 */
export async function serveGateway(options: ServeGatewayOptions = {}): Promise<RunningGateway> {
  const { signal, logger = jsonLogger } = options;
  let env: EnvRecord = options.env ?? Deno.env.toObject();

  const problems: string[] = [];
  const upstreamMode = env.ESIKIT_UPSTREAM?.trim() || "esi";
  // The demo has a port of its own: `task start` and `task demo` run side by side.
  const portText = env.PORT?.trim() || (upstreamMode === "simulator" ? "8788" : "8787");
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) {
    problems.push(`PORT "${portText}" is not a port number`);
  }
  const hostname = env.HOST?.trim() || "127.0.0.1";
  if (upstreamMode !== "esi" && upstreamMode !== "simulator") {
    problems.push(`ESIKIT_UPSTREAM "${upstreamMode}" must be "esi" or "simulator"`);
  }
  const defaults: ConfigDefaults = {};
  const local = !env.DENO_DEPLOYMENT_ID;
  if (local || upstreamMode === "simulator") {
    // Trying the gateway locally should not need a setting; a deployment must name itself.
    defaults.ESI_USER_AGENT = `esikit-gateway/${VERSION} (local; set ESI_USER_AGENT)`;
  }
  try {
    loadConfig(env, defaults);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length) throw new ConfigError(problems);

  let simulator: Simulator | undefined;
  if (upstreamMode === "simulator") {
    const { startDemoUpstream } = await import("./demo.ts");
    const demo = await startDemoUpstream(`http://${hostname}:${port}/auth/callback`, logger);
    simulator = demo;
    env = { ...env, ...demo.env, ESI_BASE_URL: demo.url };
  }
  const config = loadConfig(env, defaults);
  if (!env.ESI_USER_AGENT?.trim()) {
    logger({ level: "warn", msg: `ESI_USER_AGENT is not set; sending "${config.userAgent}"` });
  }

  const kvPath = env.DENO_KV_PATH?.trim() || undefined;
  let kv: Deno.Kv;
  try {
    kv = await Deno.openKv(kvPath);
  } catch (error) {
    await simulator?.close();
    throw new ConfigError([
      `DENO_KV_PATH "${kvPath ?? "(default)"}" cannot be opened: ${why(error)}`,
    ]);
  }
  const gateway = createGateway({
    config,
    kv,
    cache: config.upstash ? undefined : new TieredCache({
      shared: new DenoKvCache({ kv, prefix: ["esikit-gateway", "cache"] }),
    }),
    logger,
  });
  const { app } = gateway;

  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve(
      { hostname, port, signal, onListen: () => {} },
      (request, info) => app.fetch(request, { remoteAddr: info.remoteAddr as Deno.NetAddr }),
    );
  } catch (error) {
    kv.close();
    await simulator?.close();
    const hint = error instanceof Deno.errors.AddrInUse
      ? "the port is in use (set PORT to another, or 0 for any free one)"
      : error instanceof Deno.errors.AddrNotAvailable || error instanceof Deno.errors.NotFound
      ? "no such local address (set HOST to one of this machine's, e.g. 127.0.0.1 or 0.0.0.0)"
      : why(error);
    throw new ConfigError([
      `HOST "${hostname}" and PORT "${portText}" cannot be listened on: ${hint}`,
    ]);
  }
  const addr = server.addr as Deno.NetAddr;
  const url = `http://${
    addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname
  }:${addr.port}`;
  let closed: Promise<void> | undefined;
  return {
    url,
    upstream: config.esiBaseUrl,
    gateway,
    close() {
      closed ??= (async () => {
        if (!signal?.aborted) await server.shutdown();
        await server.finished;
        kv.close();
        await simulator?.close();
      })();
      return closed;
    },
  };
}

if (import.meta.main) {
  const stop = new AbortController();
  const { logger, flush } = stdoutLogger();
  try {
    const running = await serveGateway({ signal: stop.signal, logger });
    logger({
      level: "info",
      msg: `esikit gateway listening on ${running.url}`,
      upstream: running.upstream,
      store: running.gateway.deps.nonces.name,
    });
    const shutdown = () => {
      stop.abort();
      running.close().then(() => {
        flush();
        Deno.exit(0);
      });
    };
    Deno.addSignalListener("SIGINT", shutdown);
    if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", shutdown);
  } catch (error) {
    flush();
    // One line, never a stack trace: what failed and what to change.
    console.error(
      error instanceof ConfigError ? error.message : `Cannot start the gateway: ${why(error)}`,
    );
    Deno.exit(1);
  }
}

/** An error's message on one line. */
function why(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0].trim();
}
