/**
 * The little of `Deno` the module's runtime-agnostic tests use, for Node 22+
 * and Bun: `Deno.test` with steps (on `node:test`, which Bun's `bun test`
 * implements too) and `Deno.serve` (on `node:http`, so that the simulators
 * serve on 127.0.0.1 and the client goes through the runtime's own `fetch`).
 * On Deno it does nothing. `tests/support/agnostic.ts` imports it first.
 *
 * Written by hand: no npm package maps Deno's test and serve APIs onto
 * Node's; this is the subset the listed tests call, nothing more.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import process from "node:process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { test as nodeTest } from "node:test";

type Fn = (t: TestContext) => void | Promise<void>;
interface Definition {
  name: string;
  fn: Fn;
  ignore?: boolean;
  only?: boolean;
}
interface TestContext {
  name: string;
  step(def: string | Definition, fn?: Fn): Promise<boolean>;
}
// The part of node:test's context used here (Bun's is the same shape).
interface NodeContext {
  test(name: string, options: { skip?: boolean }, fn: (t: NodeContext) => Promise<void>): unknown;
}

function definition(def: string | Definition, fn?: Fn): Definition {
  return typeof def === "string" ? { name: def, fn: fn! } : def;
}

function context(name: string, t: NodeContext): TestContext {
  return {
    name,
    async step(def, fn) {
      const d = definition(def, fn);
      let ok = true;
      await t.test(d.name, { skip: d.ignore }, async (inner) => {
        try {
          await d.fn(context(d.name, inner));
        } catch (err) {
          ok = false;
          throw err;
        }
      });
      return ok;
    },
  };
}

function test(def: string | Definition, fn?: Fn): void {
  const d = definition(def, fn);
  nodeTest(
    d.name,
    { skip: d.ignore, only: d.only },
    (t) => d.fn(context(d.name, t as NodeContext)),
  );
}

type Handler = (req: Request) => Response | Promise<Response>;
interface ServeOptions {
  hostname?: string;
  port?: number;
  onListen?: (addr: { hostname: string; port: number }) => void;
  onError?: (err: unknown) => Response | Promise<Response>;
}

/**
 * A free port, found synchronously: `Deno.serve` returns its address at once,
 * and Node binds only on a later tick. A child process binds port 0 and
 * reports what the OS chose (the same probe the wrangler test makes).
 */
function freePort(hostname: string): number {
  const script = `const s=require("node:net").createServer().listen(0,${
    JSON.stringify(hostname)
  },()=>{console.log(s.address().port);s.close()})`;
  return Number(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }).trim());
}

async function toRequest(req: IncomingMessage, signal: AbortSignal): Promise<Request> {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  let body: Blob | undefined;
  if (req.method !== "GET" && req.method !== "HEAD") {
    const chunks: Uint8Array<ArrayBuffer>[] = [];
    for await (const chunk of req) chunks.push(chunk as Uint8Array<ArrayBuffer>);
    body = new Blob(chunks);
  }
  return new Request(`http://${headers.get("host")}${req.url}`, {
    method: req.method,
    headers,
    body,
    signal,
  });
}

/** A body that ends within this many bytes is sent with its length, as Deno sends bytes. */
const WHOLE_BYTES = 4 * 1024 * 1024;

/**
 * Writes a Response as Deno.serve does where the simulators can tell: a body
 * without a declared length is declared whole when it ends soon (Deno knows
 * the length of the bytes or Blob it was given), else sent chunked as it
 * comes, with backpressure (a stream that never ends); a body shorter than
 * its declared length closes the connection mid-response.
 */
async function send(res: ServerResponse, response: Response, head: boolean): Promise<void> {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of response.headers) {
    grouped.set(name, [...grouped.get(name) ?? [], value]);
  }
  let body: ReadableStream<Uint8Array> | null = response.body;
  if (body && !grouped.has("content-length")) {
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    let ended = false;
    while (size <= WHOLE_BYTES) {
      const { done, value } = await reader.read();
      if (done) {
        ended = true;
        break;
      }
      chunks.push(value);
      size += value.length;
    }
    if (ended) grouped.set("content-length", [String(size)]);
    body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        if (ended) controller.close();
      },
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    }, { highWaterMark: 0 });
  }
  for (const [name, values] of grouped) res.setHeader(name, values.length > 1 ? values : values[0]);
  res.writeHead(response.status, response.statusText);
  res.flushHeaders();
  const declared = Number(grouped.get("content-length")?.[0] ?? NaN);
  let sent = 0;
  if (body && !head) {
    for await (const chunk of body) {
      if (res.destroyed) return;
      // Wait for the caller to read what was written: a slow reader holds the stream.
      if (!res.write(chunk)) {
        await new Promise((drained) => res.once("drain", drained).once("close", drained));
      }
      sent += chunk.length;
    }
  }
  if (head || !(sent < declared)) return void res.end();
  // What was written goes out first (Bun sends the head on the loop's next
  // turn), then the connection closes.
  await new Promise((written) => res.write("", written));
  await new Promise((turn) => setImmediate(turn));
  res.destroy();
}

function serve(options: ServeOptions, handler: Handler) {
  const hostname = options.hostname ?? "127.0.0.1";
  const port = options.port || freePort(hostname);
  const { promise: finished, resolve } = Promise.withResolvers<void>();
  const inFlight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const answered = answer(req, res).finally(() => inFlight.delete(answered));
    inFlight.add(answered);
  });
  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Deno aborts a request's signal when its client goes away; so does this.
    const gone = new AbortController();
    res.on("close", () => gone.abort());
    let response: Response;
    try {
      response = await handler(await toRequest(req, gone.signal));
    } catch (err) {
      response = await options.onError?.(err) ??
        new Response("Internal Server Error", { status: 500 });
    }
    await send(res, response, req.method === "HEAD").catch(() => res.destroy());
  }
  server.on("close", () => resolve());
  server.listen(port, hostname, () => options.onListen?.({ hostname, port }));
  // Graceful, as Deno's: no new connections, answers in flight are finished.
  const shutdown = async (): Promise<void> => {
    server.close();
    await Promise.allSettled(inFlight);
    server.closeAllConnections();
    return finished;
  };
  return {
    addr: { transport: "tcp", hostname, port },
    finished,
    shutdown,
    ref() {},
    unref() {},
    [Symbol.asyncDispose]: shutdown,
  };
}

const g = globalThis as { Deno?: unknown };
if (g.Deno === undefined) g.Deno = { test, serve };
