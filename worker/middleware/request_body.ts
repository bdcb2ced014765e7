/**
 * Reads the request body once, within a size limit and the request's
 * deadline, for the signature check and the proxy to share. GET and HEAD
 * carry none. A slow sender is answered 408 when the deadline passes, and its
 * connection freed.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { fail, type GatewayEnv } from "../context.ts";
import { within } from "./deadline.ts";

/** Options of {@link requestBody}. */
export interface RequestBodyOptions {
  /** The largest body accepted, in bytes. */
  maxBytes: number;
}

const empty = new Uint8Array(0);

/**
 * Reads the body into `c.var.body`, refusing one over the limit with 413
 * (by `Content-Length` when given, else while reading), and one still coming
 * at the deadline (`c.var.deadline`, when set) with 408.
 *
 * @param options The limit.
 * @returns The middleware.
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { requestBody } from "./request_body.ts";
 * new Hono().use(requestBody({ maxBytes: 65_536 }));
 * ```
 */
export function requestBody({ maxBytes }: RequestBodyOptions): MiddlewareHandler<GatewayEnv> {
  return async function requestBody(c, next) {
    const method = c.req.method;
    if (method === "GET" || method === "HEAD" || !c.req.raw.body) {
      c.set("body", empty);
      return await next();
    }
    const tooLarge = () =>
      fail(c, 413, `Cannot accept the request body: it is larger than ${maxBytes} bytes`);
    const length = c.req.header("Content-Length");
    if (length !== undefined && (!/^\d+$/.test(length) || Number(length) > maxBytes)) {
      return tooLarge();
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = c.req.raw.body.getReader();
    const deadline = c.get("deadline");
    for (;;) {
      let read: ReadableStreamReadResult<Uint8Array>;
      try {
        read = deadline ? await within(reader.read(), deadline.signal) : await reader.read();
      } catch (error) {
        reader.cancel().catch(() => {});
        if (!deadline?.signal.aborted) throw error;
        return fail(
          c,
          408,
          `Cannot read the request body: it did not arrive within ${deadline.ms} ms`,
          { Connection: "close" },
        );
      }
      const { done, value } = read;
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        return tooLarge();
      }
      chunks.push(value);
    }
    const body = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      body.set(chunk, at);
      at += chunk.byteLength;
    }
    c.set("body", body);
    await next();
  };
}
