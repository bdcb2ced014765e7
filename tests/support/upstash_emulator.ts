/**
 * An Upstash Redis REST emulator in front of a real `redis-server`: speaks
 * what `@upstash/redis` and `@upstash/ratelimit` send.
 *
 * - `POST /` with a JSON command array; `POST /pipeline` and
 *   `POST /multi-exec` (atomic, MULTI/EXEC on one connection) with arrays of
 *   them; path-style commands (`/set/foo/bar`) as well.
 * - Bearer auth (or `?_token=`): 401 otherwise.
 * - `Upstash-Encoding: base64`: every string of the result base64-encoded,
 *   except a plain `"OK"`.
 * - `{ "result" }` / `{ "error" }` bodies: 200 on success, 400 when a command
 *   fails or a transaction is discarded, 401 on auth, 405 on other methods.
 * - Stock Redis rejects the `#!lua flags=allow-key-locking` shebang that
 *   Upstash's rate-limit scripts begin with: the emulator strips that flag
 *   and maps each script's original SHA-1 to the stripped script's, so
 *   `EVALSHA` with the original hash works (and NOSCRIPT, then EVAL, too).
 * - Test controls: {@link UpstashEmulator.mode} stalls or fails requests, and
 *   {@link UpstashEmulator.requests} counts them.
 *
 * @module
 */

import { type RespArg, RespConnection, RespError, type RespValue } from "./redis_server.ts";
import { encodeBase64 } from "../../src/cache/base64.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** How the emulator answers: normally, never (until released), or with a 500. */
export type EmulatorMode = "normal" | "stall" | "error";

/** Options of {@link UpstashEmulator.start}. */
export interface UpstashEmulatorOptions {
  /** The Redis server's port. */
  redisPort: number;
  /** The Redis server's address. Default `"127.0.0.1"`. */
  redisHost?: string;
  /** The token clients must send. Default a random one. */
  token?: string;
}

/** A running emulator. */
export class UpstashEmulator {
  /** The REST URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The token it accepts. */
  readonly token: string;
  /** Requests received, by path. */
  readonly requests: Record<string, number> = {};

  readonly #server: Deno.HttpServer;
  readonly #redisPort: number;
  readonly #redisHost: string;
  readonly #idle: RespConnection[] = [];
  readonly #all = new Set<RespConnection>();
  /** Original script SHA-1 → the stripped script's SHA-1. */
  readonly #shas = new Map<string, string>();
  #stalled: (() => void)[] = [];
  #mode: EmulatorMode = "normal";
  #closing = false;
  #inFlight = 0;
  #idleWaiters: (() => void)[] = [];

  private constructor(options: UpstashEmulatorOptions) {
    this.token = options.token ?? crypto.randomUUID();
    this.#redisPort = options.redisPort;
    this.#redisHost = options.redisHost ?? "127.0.0.1";
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (request) => this.#handle(request),
    );
    this.url = `http://127.0.0.1:${(this.#server.addr as Deno.NetAddr).port}`;
  }

  /**
   * Starts the emulator in front of a running Redis.
   *
   * @param options Where Redis is, and the token.
   * @returns The emulator; close it when done.
   */
  static start(options: UpstashEmulatorOptions): Promise<UpstashEmulator> {
    return Promise.resolve(new UpstashEmulator(options));
  }

  /** How it answers; `"stall"` holds requests until the mode changes or it closes. */
  get mode(): EmulatorMode {
    return this.#mode;
  }

  set mode(mode: EmulatorMode) {
    this.#mode = mode;
    if (mode !== "stall") this.#release();
  }

  /** Releases stalled requests (they answer 503), stops the server and closes its Redis connections. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#release();
    await this.#server.shutdown();
    for (const conn of this.#all) conn.close();
    this.#all.clear();
    this.#idle.length = 0;
  }

  /** Resolves once no request is being handled. */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** The number of requests held by `"stall"` mode right now. */
  get stalled(): number {
    return this.#stalled.length;
  }

  /** The number of requests received, over all paths. */
  get requestCount(): number {
    return Object.values(this.requests).reduce((a, b) => a + b, 0);
  }

  /** Lets stalled requests go on. */
  #release(): void {
    const stalled = this.#stalled;
    this.#stalled = [];
    for (const go of stalled) go();
  }

  async #handle(request: Request): Promise<Response> {
    this.#inFlight++;
    try {
      return await this.#answer(request);
    } finally {
      if (--this.#inFlight === 0) {
        const waiters = this.#idleWaiters;
        this.#idleWaiters = [];
        // After the response is on its way.
        setTimeout(() => waiters.forEach((w) => w()), 0);
      }
    }
  }

  async #answer(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    this.requests[path] = (this.requests[path] ?? 0) + 1;
    if (this.#mode === "stall") {
      await new Promise<void>((resolve) => this.#stalled.push(resolve));
    }
    if (this.#closing) return json({ error: "ERR emulator closing" }, 503);
    if (this.#mode === "error") {
      await request.body?.cancel();
      return json({ error: "ERR emulator in error mode" }, 500);
    }
    if (!["POST", "GET", "PUT", "HEAD"].includes(request.method)) {
      return json({ error: "ERR method not allowed" }, 405);
    }
    if (!this.#authorised(request)) {
      await request.body?.cancel();
      return json({ error: "Unauthorized" }, 401);
    }
    const base64 = request.headers.get("upstash-encoding")?.toLowerCase() === "base64";
    const text = request.method === "POST" || request.method === "PUT" ? await request.text() : "";
    try {
      if (path === "/pipeline" || path === "/multi-exec") {
        const commands = parseCommands(text, true);
        if (!commands) return json({ error: "ERR invalid request body" }, 400);
        if (path === "/pipeline") {
          const replies = await this.#run(commands);
          return json(replies.map((reply) => item(reply, base64)), 200);
        }
        return await this.#transaction(commands, base64);
      }
      let command: RespArg[] | undefined;
      if (path === "/") {
        command = parseCommands(text, false)?.[0];
      } else {
        command = path.slice(1).split("/").map(decodeURIComponent);
        if (text) command.push(text);
      }
      if (!command?.length) return json({ error: "ERR invalid command" }, 400);
      const [reply] = await this.#run([command]);
      if (reply instanceof RespError) return json({ error: reply.message }, 400);
      return json({ result: encode(reply, base64) }, 200);
    } catch (error) {
      return json({ error: `ERR ${error instanceof Error ? error.message : error}` }, 500);
    }
  }

  #authorised(request: Request): boolean {
    const header = request.headers.get("authorization");
    const token = header?.startsWith("Bearer ")
      ? header.slice(7)
      : new URL(request.url).searchParams.get("_token");
    return token === this.token;
  }

  async #transaction(commands: RespArg[][], base64: boolean): Promise<Response> {
    const rewritten = await Promise.all(commands.map((c) => this.#rewrite(c)));
    const replies = await this.#withConnection((conn) =>
      conn.pipeline([["MULTI"], ...rewritten.map((r) => r.command), ["EXEC"]])
    );
    const queued = replies.slice(1, -1);
    const discarded = queued.find((reply) => reply instanceof RespError) as RespError | undefined;
    const exec = replies.at(-1);
    if (discarded) return json({ error: discarded.message }, 400);
    if (exec instanceof RespError) return json({ error: exec.message }, 400);
    if (!Array.isArray(exec)) return json({ error: "ERR transaction discarded" }, 400);
    return json(exec.map((reply, i) => item(rewritten[i].after(reply), base64)), 200);
  }

  /** Runs commands pipelined on one connection. */
  async #run(commands: RespArg[][]): Promise<RespValue[]> {
    const rewritten = await Promise.all(commands.map((c) => this.#rewrite(c)));
    const replies = await this.#withConnection((conn) =>
      conn.pipeline(rewritten.map((r) => r.command))
    );
    return replies.map((reply, i) => rewritten[i].after(reply));
  }

  async #withConnection<T>(use: (conn: RespConnection) => Promise<T>): Promise<T> {
    let conn = this.#idle.pop();
    if (!conn) {
      conn = await RespConnection.connect(this.#redisPort, this.#redisHost);
      this.#all.add(conn);
    }
    try {
      return await use(conn);
    } finally {
      if (conn.closed) this.#all.delete(conn);
      else this.#idle.push(conn);
    }
  }

  /**
   * Adapts scripting commands to stock Redis: strips `allow-key-locking`
   * and maps the original SHA-1s; `after` maps a reply back.
   */
  async #rewrite(command: RespArg[]): Promise<Rewritten> {
    const name = String(command[0]).toUpperCase();
    const same = { command, after: (reply: RespValue) => reply };
    if ((name === "EVAL" || name === "EVAL_RO") && command.length > 1) {
      const script = String(command[1]);
      const stripped = await this.#strip(script);
      return { command: [command[0], stripped, ...command.slice(2)], after: same.after };
    }
    if ((name === "EVALSHA" || name === "EVALSHA_RO") && command.length > 1) {
      const sha = this.#shas.get(String(command[1]).toLowerCase());
      return sha ? { command: [command[0], sha, ...command.slice(2)], after: same.after } : same;
    }
    if (name === "SCRIPT" && command.length > 1) {
      const sub = String(command[1]).toUpperCase();
      if (sub === "LOAD" && command.length > 2) {
        const script = String(command[2]);
        const original = await sha1(script);
        const stripped = await this.#strip(script);
        return {
          command: [command[0], command[1], stripped],
          after: (reply) => reply instanceof RespError ? reply : original,
        };
      }
      if (sub === "EXISTS") {
        const shas = command.slice(2).map((s) => this.#shas.get(String(s).toLowerCase()) ?? s);
        return { command: [command[0], command[1], ...shas], after: same.after };
      }
      if (sub === "FLUSH") this.#shas.clear();
    }
    return same;
  }

  /** The script as stock Redis takes it; records the SHA-1 mapping when it changed. */
  async #strip(script: string): Promise<string> {
    const stripped = stripKeyLocking(script);
    if (stripped !== script) this.#shas.set(await sha1(script), await sha1(stripped));
    return stripped;
  }
}

interface Rewritten {
  command: RespArg[];
  after: (reply: RespValue) => RespValue;
}

/**
 * Removes the `allow-key-locking` flag from a script's `#!lua` shebang; the
 * shebang goes too when no flag is left. Line numbers are kept.
 *
 * @param script A Lua script.
 * @returns The script stock Redis accepts.
 */
export function stripKeyLocking(script: string): string {
  const match = /^#!lua([^\n]*)/.exec(script);
  if (!match) return script;
  const flags = /\bflags=([^\s]*)/.exec(match[1]);
  if (!flags) return script;
  const kept = flags[1].split(",").filter((f) => f && f !== "allow-key-locking");
  if (kept.length === flags[1].split(",").filter(Boolean).length) return script;
  const rest = script.slice(match[0].length);
  const options = match[1].replace(flags[0], kept.length ? `flags=${kept.join(",")}` : "").trim();
  if (!kept.length && !options) return rest; // "" + "\n…": the first line is blank
  return `#!lua ${options}`.trimEnd() + rest;
}

async function sha1(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", encoder.encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Parses a command (`[…]`) or, with `many`, a list of them (`[[…], …]`). */
function parseCommands(text: string, many: boolean): RespArg[][] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const list = many ? parsed : [parsed];
  const commands: RespArg[][] = [];
  for (const command of list) {
    if (!Array.isArray(command) || command.length === 0) return undefined;
    commands.push(command.map(toArg));
  }
  return commands;
}

function toArg(value: unknown): RespArg {
  if (typeof value === "string" || typeof value === "number") return value;
  if (typeof value === "boolean") return String(value);
  if (value === null || value === undefined) return "";
  return JSON.stringify(value);
}

/** A reply as a pipeline or transaction item. */
function item(reply: RespValue, base64: boolean): { result: unknown } | { error: string } {
  return reply instanceof RespError ? { error: reply.message } : { result: encode(reply, base64) };
}

/** A reply as JSON: strings as text, or base64 (all but a plain "OK") when asked. */
function encode(reply: RespValue, base64: boolean): unknown {
  if (reply === null || typeof reply === "number") return reply;
  if (reply instanceof RespError) return reply.message;
  if (Array.isArray(reply)) return reply.map((r) => encode(r, base64));
  if (typeof reply === "string") {
    return base64 && reply !== "OK" ? encodeBase64(encoder.encode(reply)) : reply;
  }
  return base64 ? encodeBase64(reply) : decoder.decode(reply);
}

function json(body: unknown, status: number): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}
