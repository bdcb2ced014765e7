import assert from "node:assert/strict";
import { Redis } from "@upstash/redis";
import { Ratelimit } from "@upstash/ratelimit";
import { redisTest, RespError, startRedisServer } from "./redis_server.ts";
import { stripKeyLocking, UpstashEmulator } from "./upstash_emulator.ts";
import { until } from "./until.ts";

Deno.test("stripKeyLocking drops the flag Redis rejects, and only it", () => {
  const script = "#!lua flags=allow-key-locking\nreturn 1\n";
  assert.equal(stripKeyLocking(script), "\nreturn 1\n");
  assert.equal(
    stripKeyLocking("#!lua flags=no-writes,allow-key-locking\nreturn 1"),
    "#!lua flags=no-writes\nreturn 1",
  );
  assert.equal(
    stripKeyLocking("#!lua flags=no-writes\nreturn 1"),
    "#!lua flags=no-writes\nreturn 1",
  );
  assert.equal(stripKeyLocking("return 1"), "return 1");
});

redisTest(
  "the Upstash emulator speaks what @upstash/redis and @upstash/ratelimit send",
  async (t) => {
    const server = await startRedisServer();
    const emulator = await UpstashEmulator.start({ redisPort: server.port });
    const redis = new Redis({ url: emulator.url, token: emulator.token, enableTelemetry: false });
    try {
      await t.step("single commands round-trip through the SDK's base64 encoding", async () => {
        assert.equal(await redis.set("greeting", "héllo wörld ✓"), "OK");
        assert.equal(await redis.get("greeting"), "héllo wörld ✓");
        assert.equal(await redis.get("missing"), null);
        assert.equal(await redis.incr("counter"), 1);
        assert.equal(await redis.ping(), "PONG");
        await redis.rpush("list", "a", "b");
        assert.deepEqual(await redis.lrange("list", 0, -1), ["a", "b"]);
        await redis.set("expiring", "x", { px: 60_000 });
        const pttl = await redis.pttl("expiring");
        assert.ok(pttl > 30_000 && pttl <= 60_000, `PTTL ${pttl}`); // Redis's own clock runs on
      });

      await t.step("without the base64 header, strings come back as text", async () => {
        const plain = new Redis({
          url: emulator.url,
          token: emulator.token,
          responseEncoding: false,
          enableTelemetry: false,
        });
        assert.equal(await plain.get("greeting"), "héllo wörld ✓");
        assert.equal(await plain.ping(), "PONG");
      });

      await t.step("a failing command is a 400 with the Redis error", async () => {
        const res = await fetch(emulator.url, {
          method: "POST",
          headers: { authorization: `Bearer ${emulator.token}` },
          body: JSON.stringify(["INCR", "greeting"]),
        });
        assert.equal(res.status, 400);
        const body = await res.json();
        assert.match(body.error, /not an integer/);
        await assert.rejects(redis.incr("greeting"), /not an integer/);
      });

      await t.step("a wrong or missing token is a 401", async () => {
        for (const headers of [{ authorization: "Bearer wrong" }, {}] as Record<string, string>[]) {
          const res = await fetch(emulator.url, {
            method: "POST",
            headers,
            body: JSON.stringify(["PING"]),
          });
          assert.equal(res.status, 401);
          assert.ok("error" in await res.json());
        }
        const wrong = new Redis({ url: emulator.url, token: "wrong", enableTelemetry: false });
        await assert.rejects(wrong.ping());
      });

      await t.step("a pipeline answers per command, errors included", async () => {
        const before = emulator.requests["/pipeline"] ?? 0;
        const results = await redis.pipeline().set("p1", "v1").get("p1").incr("p1").exec({
          keepErrors: true,
        });
        assert.equal(emulator.requests["/pipeline"], before + 1);
        assert.equal(results[0].result, "OK");
        assert.equal(results[1].result, "v1");
        assert.ok(results[2].error);
      });

      await t.step("/multi-exec runs atomically and answers per command", async () => {
        const results = await redis.multi().set("m1", "1").incr("m1").get("m1").exec();
        assert.deepEqual(results, ["OK", 2, 2]);
        const res = await fetch(`${emulator.url}/multi-exec`, {
          method: "POST",
          headers: { authorization: `Bearer ${emulator.token}` },
          body: JSON.stringify([["SET", "m2", "1"], ["NOSUCHCOMMAND"]]),
        });
        assert.equal(res.status, 400);
        assert.ok("error" in await res.json());
        assert.equal(await redis.get("m2"), null, "a discarded transaction wrote nothing");
      });

      await t.step("EVALSHA works with a flagged script's original hash", async () => {
        const script = "#!lua flags=allow-key-locking\nreturn redis.call('INCR', KEYS[1])";
        const sha = await redis.scriptLoad(script);
        assert.equal(sha, await sha1(script), "SCRIPT LOAD answers the original hash");
        assert.equal(await redis.evalsha(sha, ["s1"], []), 1);
        assert.deepEqual(await redis.scriptExists(sha), [1]);
        assert.equal(await redis.eval(script, ["s1"], []), 2);
        const conn = await server.connect();
        try {
          const reply = await conn.command("EVAL", script, 1, "s1");
          assert.ok(reply instanceof RespError, "stock Redis rejects the flag");
        } finally {
          conn.close();
        }
      });

      await t.step("NOSCRIPT then EVAL, as the SDK falls back, works", async () => {
        const script = "#!lua flags=allow-key-locking\nreturn 'fresh'";
        await assert.rejects(redis.evalsha(await sha1(script), [], []), /NOSCRIPT/);
        assert.equal(await redis.eval(script, [], []), "fresh");
        assert.equal(await redis.evalsha(await sha1(script), [], []), "fresh");
      });

      await t.step("a sliding window of 5 lets exactly 5 of 8 calls through", async () => {
        const limiter = new Ratelimit({
          redis,
          limiter: Ratelimit.slidingWindow(5, "60 s"),
          prefix: "rl-test",
          analytics: false,
          enableProtection: false,
        });
        const outcomes = [];
        for (let i = 0; i < 8; i++) outcomes.push((await limiter.limit("caller-1")).success);
        assert.deepEqual(outcomes, [true, true, true, true, true, false, false, false]);
        const other = await limiter.limit("caller-2");
        assert.equal(other.success, true, "another caller has its own window");
        assert.equal(other.remaining, 4);
      });

      await t.step("concurrent limit calls never let more than the limit through", async () => {
        const limiter = new Ratelimit({
          redis,
          limiter: Ratelimit.slidingWindow(10, "60 s"),
          prefix: "rl-concurrent",
          analytics: false,
        });
        const results = await Promise.all(
          Array.from({ length: 25 }, () => limiter.limit("caller")),
        );
        assert.equal(results.filter((r) => r.success).length, 10);
      });

      await t.step("fixed window and token bucket limit too", async () => {
        const fixed = new Ratelimit({
          redis,
          limiter: Ratelimit.fixedWindow(3, "60 s"),
          prefix: "rl-fixed",
        });
        const bucket = new Ratelimit({
          redis,
          limiter: Ratelimit.tokenBucket(1, "60 s", 2),
          prefix: "rl-bucket",
        });
        const f = [];
        const b = [];
        for (let i = 0; i < 4; i++) {
          f.push((await fixed.limit("x")).success);
          b.push((await bucket.limit("x")).success);
        }
        assert.deepEqual(f, [true, true, true, false]);
        assert.deepEqual(b, [true, true, false, false]);
      });

      await t.step("stall mode holds every request until the mode changes", async () => {
        emulator.mode = "stall";
        let answered = false;
        const held = redis.get("greeting").then((v) => (answered = true, v));
        await until(() => emulator.stalled === 1, "the request to be held");
        assert.equal(answered, false);
        emulator.mode = "normal";
        assert.equal(await held, "héllo wörld ✓");
        assert.equal(emulator.stalled, 0);
      });
    } finally {
      await emulator.close();
      await server.stop();
    }
  },
);

async function sha1(text: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text)),
  );
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
