/**
 * A real `redis-server` for tests and benchmarks: Debian's binary started on
 * a free 127.0.0.1 port with persistence off, and a small RESP2 client to
 * talk to it. Where `redis-server` is missing, {@link redisTest} registers
 * tests as ignored with a loud warning — or, under `CI`, as failing.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The path of `redis-server`, or `undefined` when it is not installed. */
export const redisServerBinary: string | undefined = findRedisServer();

function findRedisServer(): string | undefined {
  try {
    const { success } = new Deno.Command("redis-server", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return success ? "redis-server" : undefined;
  } catch {
    return undefined;
  }
}

let warned = false;

/**
 * Registers a test that needs `redis-server`. Without it, the test is
 * ignored (counted as such, never as passed) with a loud warning — unless
 * the `CI` environment variable is set, where it fails instead.
 *
 * @param name The test's name.
 * @param fn The test.
 */
export function redisTest(name: string, fn: (t: Deno.TestContext) => Promise<void>): void {
  if (redisServerBinary) {
    Deno.test({ name, fn });
    return;
  }
  if (Deno.env.get("CI")) {
    Deno.test({
      name,
      fn() {
        throw new Error(
          "Cannot run a Redis test: redis-server is not installed (apt-get install -y redis-server)",
        );
      },
    });
    return;
  }
  if (!warned) {
    warned = true;
    console.warn(
      "\n" + "!".repeat(78) + "\n" +
        "!! redis-server is not installed: the Redis and Upstash tests are IGNORED.\n" +
        "!! Install it with: apt-get install -y redis-server\n" +
        "!".repeat(78) + "\n",
    );
  }
  Deno.test({ name, ignore: true, fn });
}

/** A Redis reply, RESP2. Bulk strings stay bytes; errors are values, not throws. */
export type RespValue = string | number | Uint8Array | null | RespError | RespValue[];

/** An error reply (`-ERR …`). */
export class RespError {
  /** @param message The error text, `"ERR …"`, `"NOSCRIPT …"`. */
  constructor(readonly message: string) {}
}

/** A command argument; numbers are sent as their decimal text. */
export type RespArg = string | number | Uint8Array;

/**
 * One connection to Redis. Commands sent together are pipelined; callers
 * are served one batch at a time, in order.
 */
export class RespConnection {
  readonly #conn: Deno.Conn;
  #buffer = new Uint8Array(64 * 1024);
  #start = 0;
  #end = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /**
   * Connects.
   *
   * @param port The server's port.
   * @param hostname The server's address.
   * @returns The connection.
   */
  static async connect(port: number, hostname = "127.0.0.1"): Promise<RespConnection> {
    const conn = await Deno.connect({ hostname, port });
    conn.setNoDelay(true);
    return new RespConnection(conn);
  }

  /** Whether the connection broke or was closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends one command and reads its reply.
   *
   * @param args The command and its arguments.
   * @returns The reply (an error reply is returned, not thrown).
   */
  async command(...args: RespArg[]): Promise<RespValue> {
    return (await this.pipeline([args]))[0];
  }

  /**
   * Sends commands in one write and reads their replies.
   *
   * @param commands The commands.
   * @returns One reply per command.
   */
  pipeline(commands: RespArg[][]): Promise<RespValue[]> {
    const run = this.#queue.then(() => this.#exchange(commands));
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Closes the connection. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the peer.
    }
  }

  async #exchange(commands: RespArg[][]): Promise<RespValue[]> {
    if (this.#closed) throw new Error("The Redis connection is closed");
    try {
      await this.#write(encodeCommands(commands));
      const replies: RespValue[] = [];
      for (let i = 0; i < commands.length; i++) replies.push(await this.#read());
      return replies;
    } catch (error) {
      this.close();
      throw error;
    }
  }

  async #write(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) offset += await this.#conn.write(bytes.subarray(offset));
  }

  async #read(): Promise<RespValue> {
    for (;;) {
      const parsed = parse(this.#buffer, this.#start, this.#end);
      if (parsed) {
        this.#start = parsed.next;
        if (this.#start === this.#end) this.#start = this.#end = 0;
        return parsed.value;
      }
      await this.#fill();
    }
  }

  async #fill(): Promise<void> {
    if (this.#start > 0) {
      this.#buffer.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    if (this.#end === this.#buffer.length) {
      const bigger = new Uint8Array(this.#buffer.length * 2);
      bigger.set(this.#buffer.subarray(0, this.#end));
      this.#buffer = bigger;
    }
    const n = await this.#conn.read(this.#buffer.subarray(this.#end));
    if (n === null) throw new Error("Redis closed the connection");
    this.#end += n;
  }
}

function encodeCommands(commands: RespArg[][]): Uint8Array {
  const parts: Uint8Array[] = [];
  let length = 0;
  const push = (part: Uint8Array) => {
    parts.push(part);
    length += part.length;
  };
  for (const args of commands) {
    push(encoder.encode(`*${args.length}\r\n`));
    for (const arg of args) {
      const bytes = arg instanceof Uint8Array ? arg : encoder.encode(String(arg));
      push(encoder.encode(`$${bytes.length}\r\n`));
      push(bytes);
      push(encoder.encode("\r\n"));
    }
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

interface Parsed {
  value: RespValue;
  next: number;
}

/** Parses one reply from `buf[start, end)`, or `undefined` when it is not all there yet. */
function parse(buf: Uint8Array, start: number, end: number): Parsed | undefined {
  const lineEnd = findCrlf(buf, start + 1, end);
  if (lineEnd < 0) return undefined;
  const line = decoder.decode(buf.subarray(start + 1, lineEnd));
  const after = lineEnd + 2;
  switch (buf[start]) {
    case 0x2b: // +
      return { value: line, next: after };
    case 0x2d: // -
      return { value: new RespError(line), next: after };
    case 0x3a: // :
      return { value: Number(line), next: after };
    case 0x24: { // $
      const length = Number(line);
      if (length < 0) return { value: null, next: after };
      if (after + length + 2 > end) return undefined;
      return { value: buf.slice(after, after + length), next: after + length + 2 };
    }
    case 0x2a: { // *
      const count = Number(line);
      if (count < 0) return { value: null, next: after };
      const items: RespValue[] = [];
      let next = after;
      for (let i = 0; i < count; i++) {
        const item = parse(buf, next, end);
        if (!item) return undefined;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new Error(`Cannot parse the Redis reply: unexpected byte "${buf[start]}"`);
  }
}

function findCrlf(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end - 1; i++) {
    if (buf[i] === 0x0d && buf[i + 1] === 0x0a) return i;
  }
  return -1;
}

/** A running `redis-server`. */
export interface RedisServer {
  /** Its address. */
  readonly hostname: string;
  /** Its port. */
  readonly port: number;
  /** Opens a connection to it (close it when done). */
  connect(): Promise<RespConnection>;
  /** Stops it and waits for it to exit. */
  stop(): Promise<void>;
  /** Stops it without waiting, for an `unload` handler (removes its directory too). */
  kill(): void;
}

/**
 * Starts `redis-server` on a free 127.0.0.1 port, persistence off, and
 * waits until it answers PING.
 *
 * @returns The running server; stop it when done.
 * @throws When `redis-server` is missing or does not come up.
 */
export async function startRedisServer(): Promise<RedisServer> {
  if (!redisServerBinary) {
    throw new Error(
      "Cannot start Redis: redis-server is not installed (apt-get install -y redis-server)",
    );
  }
  let lastError: unknown;
  // A free port can be taken between our probe and Redis's bind: try again.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(redisServerBinary);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOnce(binary: string): Promise<RedisServer> {
  const hostname = "127.0.0.1";
  const probe = Deno.listen({ hostname, port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const dir = await Deno.makeTempDir({ prefix: "esikit-redis-" });
  const child = new Deno.Command(binary, {
    args: [
      "--bind",
      hostname,
      "--port",
      String(port),
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
      "--daemonize",
      "no",
      "--loglevel",
      "warning",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await child.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const kill = () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Already removed.
    }
  };
  const exited = child.status.then(() => "exited" as const);
  for (let i = 0; i < 200; i++) {
    try {
      const conn = await RespConnection.connect(port, hostname);
      try {
        const reply = await conn.command("PING");
        if (reply === "PONG") {
          const connect = () => RespConnection.connect(port, hostname);
          return { hostname, port, connect, stop, kill };
        }
      } finally {
        conn.close();
      }
    } catch {
      // Not up yet.
    }
    const state = await Promise.race([exited, delay(25)]);
    if (state === "exited") break;
  }
  await stop();
  throw new Error(`Cannot start Redis on port ${port}: it did not answer PING`);
}

function delay(ms: number): Promise<"waited"> {
  return new Promise((resolve) => setTimeout(() => resolve("waited"), ms));
}
