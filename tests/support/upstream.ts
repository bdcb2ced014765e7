/**
 * Test harness: a hand-scripted upstream on 127.0.0.1, for answers the ESI
 * simulator would never give (garbage headers, HTML, huge bodies).
 */

export interface Upstream {
  url: string;
  /** Requests seen, in order. */
  requests: Request[];
}

/**
 * An answer that never comes: it resolves only when the client gives up
 * (closes the connection), and counts that. (A request's own `signal` also
 * aborts once a response is sent, so it cannot tell the two apart.)
 */
export function untilAbandoned(req: Request, abandoned: { count: number }): Promise<Response> {
  return new Promise((resolve) =>
    req.signal.addEventListener("abort", () => {
      abandoned.count++;
      resolve(new Response(null, { status: 499 }));
    }, { once: true })
  );
}

/** Serves `handler` on a free loopback port while `test` runs. */
export async function withUpstream(
  handler: (req: Request, seen: number) => Response | Promise<Response>,
  test: (upstream: Upstream) => Promise<void>,
): Promise<void> {
  const upstream: Upstream = { url: "", requests: [] };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    upstream.requests.push(req);
    return handler(req, upstream.requests.length);
  });
  upstream.url = `http://127.0.0.1:${server.addr.port}`;
  try {
    await test(upstream);
  } finally {
    await server.shutdown();
  }
}

/** A JSON answer with ESI-like headers. */
export function json(body: unknown, headers: Record<string, string> = {}, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}
