/**
 * The gateway under `wrangler dev` (workerd from the npm registry) on
 * 127.0.0.1, proxying to the ESI simulator running in this test process.
 * Needs `npx` (Node.js) and `setsid`; without them the test is ignored with
 * a warning, or fails under `CI`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { EsiSimulator } from "../../src/testing/mod.ts";
import { serve } from "../../src/testing/deno.ts";

const workerDir = new URL("../../worker/", import.meta.url).pathname;

function runs(command: string, args: string[]): boolean {
  try {
    return new Deno.Command(command, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

const available = runs("npx", ["--version"]) && runs("setsid", ["--version"]);
if (!available && !Deno.env.get("CI")) {
  console.warn(
    "!! npx or setsid is missing: the wrangler dev test is IGNORED (install Node.js 20+ and util-linux).",
  );
}

/** The status page's token. */
const METRICS_TOKEN = "wrangler-metrics-token-0123456789";

/** The wrangler the test runs, pinned: from the npm registry, the same on every machine. */
const WRANGLER = "wrangler@4.86.0";

Deno.test({
  name:
    "wrangler dev: workerd serves /healthz, a proxied /esi/status and the status page, again and again",
  ignore: !available && !Deno.env.get("CI"),
  async fn() {
    if (!available) throw new Error("Cannot run wrangler dev: npx or setsid is not installed");
    await using sim = new EsiSimulator();
    await serve(sim);
    const port = freePort();
    const state = await Deno.makeTempDir({ prefix: "esikit-wrangler-" });
    // In a session of its own, so that stopping it stops npx, wrangler and workerd together.
    const child = new Deno.Command("setsid", {
      args: [
        "npx",
        "-y",
        WRANGLER,
        "dev",
        "--local",
        "--ip",
        "127.0.0.1",
        "--port",
        String(port),
        "--inspector-port",
        String(freePort()),
        "--show-interactive-dev-session=false",
        "--persist-to",
        state,
        "--var",
        `ESI_BASE_URL:${sim.url}`,
        "--var",
        "ESI_USER_AGENT:esikit-tests/1.0 (tests@example.com)",
        "--var",
        `METRICS_TOKEN:${METRICS_TOKEN}`,
      ],
      cwd: workerDir,
      env: {
        WRANGLER_SEND_METRICS: "false",
        // Loopback only: no request properties fetched from Cloudflare.
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
        WRANGLER_LOG: "info",
        NO_COLOR: "1",
        CI: "1",
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    let output = "";
    try {
      // Wait for wrangler to say it is ready: no polling, and a deadline that kills it.
      const deadline = setTimeout(() => child.kill("SIGKILL"), 180_000);
      try {
        const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
        while (!/Ready on http:\/\/127\.0\.0\.1:\d+/.test(output)) {
          const { done, value } = await reader.read();
          if (done) throw new Error(`wrangler dev exited before it was ready:\n${output}`);
          output += value;
          if (Deno.env.get("DEBUG_WRANGLER")) console.log(value);
        }
        // Keep draining so wrangler never blocks on a full pipe.
        (async () => {
          for (;;) {
            const { done } = await reader.read();
            if (done) break;
          }
        })();
      } finally {
        clearTimeout(deadline);
      }

      const debug = Deno.env.get("DEBUG_WRANGLER") ? console.log : () => {};
      // Every request gets its own Response: workerd refuses I/O on one made for another.
      for (let i = 1; i <= 3; i++) {
        debug(`ready; fetching /healthz (${i})`);
        const health = await fetch(`http://127.0.0.1:${port}/healthz`);
        assert.equal(health.status, 200, `/healthz, request ${i}`);
        assert.deepEqual(await health.json(), { status: "ok" });
      }

      debug("fetching /esi/status");
      const status = await fetch(`http://127.0.0.1:${port}/esi/status`);
      assert.equal(status.status, 200);
      assert.equal(status.headers.get("x-esikit-cache"), "miss");
      assert.ok(status.headers.has("x-esi-request-id"));
      const body = await status.json();
      assert.equal(typeof body.players, "number");

      // Later calls are answered from the cache (prepared hits, the colo's Cache API), not by
      // ESI; each is a Response of its own request.
      for (let i = 2; i <= 4; i++) {
        const again = await fetch(`http://127.0.0.1:${port}/esi/status`);
        assert.equal(again.status, 200, `/esi/status, request ${i}`);
        assert.equal(again.headers.get("x-esikit-cache"), "hit");
        assert.deepEqual(await again.json(), body);
      }
      // The caller's own ETag: a 304 of each request's own, again and again.
      for (let i = 0; i < 3; i++) {
        const etag = status.headers.get("etag")!;
        const same = await fetch(`http://127.0.0.1:${port}/esi/status`, {
          headers: { "If-None-Match": etag },
        });
        assert.equal(same.status, 304, `If-None-Match, request ${i}`);
        assert.equal(await same.text(), "");
      }

      assert.equal(sim.requests.length, 1);
      assert.equal(sim.requests[0].path, "/status");
      assert.match(sim.requests[0].headers["user-agent"], /^esikit-tests\/1\.0/);

      // The status page, served by workerd again and again (its history lives in the isolate).
      const auth = { Authorization: `Bearer ${METRICS_TOKEN}` };
      assert.equal((await fetch(`http://127.0.0.1:${port}/dashboard`)).status, 401);
      for (let i = 0; i < 5; i++) {
        const page = await fetch(`http://127.0.0.1:${port}/dashboard`, { headers: auth });
        assert.equal(page.status, 200);
        assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self'/);
        assert.match(await page.text(), /data-field="traffic.perSecond.hit"/);
        const status = await fetch(`http://127.0.0.1:${port}/status.json`, { headers: auth });
        assert.equal(status.status, 200);
        assert.equal((await status.json()).view, "full");
      }
      const script = await fetch(`http://127.0.0.1:${port}/dashboard/app.js`);
      assert.equal(script.status, 200);
      assert.match(await script.text(), /var uPlot=[\s\S]*dashboardClient/);
    } finally {
      try {
        Deno.kill(-child.pid, "SIGINT"); // the whole process group, led by the child we started
      } catch {
        child.kill("SIGINT");
      }
      await child.status;
      await stderr;
      await Deno.remove(state, { recursive: true }).catch(() => {});
    }
  },
});
