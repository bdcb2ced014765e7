import assert from "node:assert/strict";
import { EsiSimulator } from "../../src/testing/mod.ts";
import { serve } from "../../src/testing/deno.ts";
import { ConfigError } from "../../worker/config.ts";
import type { LogRecord } from "../../worker/context.ts";
import { serveGateway, stdoutLogger } from "../../worker/deno.ts";

const env = (sim: EsiSimulator) => ({
  PORT: "0",
  DENO_KV_PATH: ":memory:",
  ESI_BASE_URL: sim.url,
  ESI_USER_AGENT: "esikit-tests/1.0 (tests@example.com)",
});

/** Sends a request line as written, byte for byte: no URL parser in between. */
async function raw(url: string, target: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  try {
    await conn.write(
      new TextEncoder().encode(
        `GET ${target} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`,
      ),
    );
    let text = "";
    const buf = new Uint8Array(16_384);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    const status = Number(text.slice(9, 12));
    return { status, body: text.slice(text.indexOf("\r\n\r\n") + 4) };
  } finally {
    conn.close();
  }
}

Deno.test("deno entry: serves the gateway with Deno KV, refusing raw traversal targets", async (t) => {
  await using sim = new EsiSimulator();
  await serve(sim);
  const logs: LogRecord[] = [];
  const running = await serveGateway({ env: env(sim), logger: (r) => logs.push(r) });
  try {
    assert.match(running.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(running.gateway.deps.nonces.name, "deno-kv");

    await t.step("a proxied call, then a hit from Deno KV", async () => {
      const first = await fetch(`${running.url}/esi/status`);
      assert.equal(first.status, 200);
      assert.equal(first.headers.get("x-esikit-cache"), "miss");
      await first.body?.cancel();
      const second = await fetch(`${running.url}/esi/status`);
      assert.equal(second.headers.get("x-esikit-cache"), "hit");
      assert.deepEqual(Object.keys(await second.json()).sort(), [
        "players",
        "server_version",
        "start_time",
      ]);
      assert.equal(sim.requests.length, 1);
    });

    await t.step("the caller's address comes from the connection", () => {
      assert.equal(logs.find((l) => l.msg === "request")?.caller, "ip:127.0.0.1");
    });

    for (
      const target of [
        "/esi/%2e%2e/status",
        "/esi/../status",
        "/esi/./status",
        "/esi/status/%2E%2E/alliances",
        "/esi/..%2fstatus",
        "/esi//evil.com",
        "/esi/http://evil.com/status",
        "/esi/a\\..\\status",
        "/esi/%5c%5cevil.com/status",
        "/esi/status%09",
      ]
    ) {
      await t.step(`raw ${target} → 400`, async () => {
        const res = await raw(running.url, target);
        assert.equal(res.status, 400, target);
        assert.match(JSON.parse(res.body).error, /^Cannot proxy "\/esi\/.*": /);
      });
    }
    assert.equal(sim.requests.length, 1);
  } finally {
    await running.close();
  }
});

Deno.test("deno entry: every bad setting in one ConfigError", async () => {
  await assert.rejects(
    serveGateway({
      env: { PORT: "eighty", ESIKIT_UPSTREAM: "prod", RATE_LIMIT: "abc", DENO_DEPLOYMENT_ID: "x" },
    }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems, [
        'PORT "eighty" is not a port number',
        'ESIKIT_UPSTREAM "prod" must be "esi" or "simulator"',
        "ESI_USER_AGENT is missing", // on Deno Deploy the gateway must name itself
        'RATE_LIMIT "abc" is not a number',
      ]);
      return true;
    },
  );
});

Deno.test("deno entry: ESIKIT_UPSTREAM=simulator runs offline against the simulator", async () => {
  const logs: LogRecord[] = [];
  const running = await serveGateway({
    env: { PORT: "0", DENO_KV_PATH: ":memory:", ESIKIT_UPSTREAM: "simulator" },
    logger: (r) => logs.push(r),
  });
  try {
    assert.match(running.upstream, /^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${running.url}/esi/universe/names`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "[30000142]",
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), [{ category: "solar_system", id: 30000142, name: "Jita" }]);
    const ready = await fetch(`${running.url}/readyz`);
    assert.equal(ready.status, 200);
    await ready.body?.cancel();
    assert.ok(logs.some((l) => l.level === "warn" && /ESI_USER_AGENT is not set/.test(l.msg)));
  } finally {
    await running.close();
  }
});

Deno.test("stdout logger: JSON lines, time first, written in batches", () => {
  const writes: string[] = [];
  const { logger, flush } = stdoutLogger({
    intervalMs: 60_000,
    write: (bytes) => (writes.push(new TextDecoder().decode(bytes)), bytes.length),
  });
  logger({ level: "info", msg: "request", status: 200, path: '/esi/"quoted"' });
  logger({ level: "warn", msg: "own time", time: "2026-11-21T10:00:00.000Z" });
  assert.equal(writes.length, 0, "lines wait for the batch");
  flush();
  assert.equal(writes.length, 1);
  const lines = writes[0].split("\n");
  assert.equal(lines.pop(), "");
  const [first, second] = lines.map((line) => JSON.parse(line));
  assert.deepEqual(Object.keys(first), ["time", "level", "msg", "status", "path"]);
  assert.ok(Math.abs(Date.parse(first.time) - Date.now()) < 60_000, first.time);
  assert.equal(first.path, '/esi/"quoted"');
  assert.deepEqual(second, { time: "2026-11-21T10:00:00.000Z", level: "warn", msg: "own time" });

  // Batches of at most 64 KiB go out as they fill, without waiting for the interval.
  const msg = "x".repeat(1_000);
  for (let i = 0; i < 100; i++) logger({ level: "info", msg, i });
  assert.equal(writes.length, 2, "the first ~60 lines, written when the next did not fit");
  assert.ok(writes[1].length <= 64 * 1024 && writes[1].length > 60_000, `${writes[1].length}`);
  // A line longer than a batch goes out on its own, after what was waiting.
  logger({ level: "info", msg: "é".repeat(40_000) });
  assert.equal(writes.length, 4);
  assert.equal(JSON.parse(writes[3]).msg.length, 40_000);
  flush();
  const numbered = writes.slice(1, 3).join("").split("\n").filter(Boolean).map((l) =>
    JSON.parse(l).i
  );
  assert.deepEqual(numbered, [...Array(100).keys()], "every line once, in order");
  assert.equal(writes.length, 4, "nothing left to write");
});
