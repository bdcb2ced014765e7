import assert from "node:assert/strict";
import type { ExecutionContext } from "hono";
import worker from "../../worker/cloudflare.ts";

// The entry keeps what it built for the isolate's life: one configuration per test file.
Deno.test("cloudflare entry: login without Upstash is a configuration error, logged once", async () => {
  const env = {
    ESI_USER_AGENT: "esikit-tests/1.0 (tests@example.com)",
    EVE_CLIENT_ID: "client-id",
    EVE_CALLBACK_URL: "https://gw.example/auth/callback",
    SESSION_SECRET: "session-secret-session-secret-0123456789",
    TOKEN_ENCRYPTION_KEY: btoa(String.fromCharCode(...new Uint8Array(32).fill(7))),
  };
  const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as ExecutionContext;
  const logged: string[] = [];
  const original = console.error;
  console.error = (line: string) => logged.push(line);
  try {
    for (let i = 0; i < 2; i++) {
      const res = await worker.fetch(new Request("https://gw.example/healthz"), env, ctx);
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), {
        error: "The gateway is misconfigured; its log says how",
      });
    }
  } finally {
    console.error = original;
  }
  assert.equal(logged.length, 1);
  assert.match(
    JSON.parse(logged[0]).msg,
    /^Cannot start the gateway: SESSION_SECRET needs UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN on Workers/,
  );
  assert.ok(!logged[0].includes(env.SESSION_SECRET), "no secret in the log");
});
