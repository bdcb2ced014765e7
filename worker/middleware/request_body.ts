/**
 * Reads the request body once, within a size limit, for the signature check
 * and the proxy to share. GET and HEAD carry none.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { fail, type GatewayEnv } from "../context.ts";

/** Options of {@link requestBody}. */
export interface RequestBodyOptions {
  /** The largest body accepted, in bytes. */
  maxBytes: number;
}

const empty = new Uint8Array(0);

/**
 * Reads the body into `c.var.body`, refusing one over the limit with 413
 * (by `Content-Length` when given, else while reading).
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
    for (;;) {
      const { done, value } = await reader.read();
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
