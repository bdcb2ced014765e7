/**
 * The gateway against a store that stalls or fails: a real `redis-server`
 * behind the Upstash emulator, with EVE SSO and ESI simulated. Every request
 * is answered within the store deadline (on the fake clock), by the purpose's
 * policy, and no store error puts a key or value in the log.
 */

import assert from "node:assert/strict";
import { EsiSimulator, FakeClock, SsoSimulator } from "../../src/testing/mod.ts";
import { loadConfig } from "../../worker/config.ts";
import type { LogRecord } from "../../worker/context.ts";
import { createGateway, type Gateway } from "../../worker/gateway.ts";
import { CHARACTER_ID, PUBLIC_CLIENT } from "../support/sso_harness.ts";
import { redisTest, startRedisServer } from "../support/redis_server.ts";
import { UpstashEmulator } from "../support/upstash_emulator.ts";
import { until } from "../support/until.ts";
import { serve } from "../../src/testing/deno.ts";

const CALLBACK = "https://gw.example/auth/callback";
const SCOPE = "esi-skills.read_skills.v1";
const SKILLS = `/esi/characters/${CHARACTER_ID}/skills`;

interface Rig {
  gw: Gateway;
  clock: FakeClock;
  emulator: UpstashEmulator;
  logs: LogRecord[];
}

async function withRig(fn: (rig: Rig) => Promise<void>): Promise<void> {
  const clock = new FakeClock();
  const server = await startRedisServer();
  const emulator = await UpstashEmulator.start({ redisPort: server.port });
  const sso = await serve(
    await SsoSimulator.create({
      clock,
      clients: [{ clientId: PUBLIC_CLIENT, redirectUris: [CALLBACK] }],
    }),
  );
  const esi = new EsiSimulator({ clock, verifyToken: sso.verifyToken });
  await serve(esi);
  const logs: LogRecord[] = [];
  try {
    const config = loadConfig({
      ESI_USER_AGENT: "esikit-tests/1.0 (tests@example.com)",
      ESI_BASE_URL: esi.url,
      EVE_CLIENT_ID: PUBLIC_CLIENT,
      EVE_CALLBACK_URL: CALLBACK,
      EVE_SSO_METADATA_URL: sso.metadataUrl,
      SESSION_SECRET: "session-secret-session-secret-0123456789",
      TOKEN_ENCRYPTION_KEY: btoa(String.fromCharCode(...new Uint8Array(32).fill(7))),
      AUTH_RETURN_ORIGINS: "https://app.example",
      UPSTASH_REDIS_REST_URL: emulator.url,
      UPSTASH_REDIS_REST_TOKEN: emulator.token,
    });
    const gw = createGateway({ config, clock, logger: (r) => logs.push(r) });
    await fn({ gw, clock, emulator, logs });
  } finally {
    emulator.mode = "normal";
    await emulator.close();
    await server.stop();
    await esi.stop();
    await sso.close();
  }
}

/** The `name=value` of each cookie a response sets (not clears). */
function cookiesOf(res: Response): string {
  return res.headers.getSetCookie()
    .filter((line) => !/max-age=0/i.test(line))
    .map((line) => line.split(";")[0])
    .join("; ");
}

/** Starts a login and follows the SSO back: the callback path and the login cookie. */
async function startLogin(rig: Rig): Promise<{ callback: string; cookie: string }> {
  const res = await rig.gw.app.request(`/auth/login?scopes=${SCOPE}`);
  assert.equal(res.status, 302, await res.clone().text());
  const back = await fetch(res.headers.get("location")!, { redirect: "manual" });
  await back.body?.cancel();
  const callback = new URL(back.headers.get("location")!);
  return { callback: `/auth/callback${callback.search}`, cookie: cookiesOf(res) };
}

/** Logs in: the session cookie. */
async function logIn(rig: Rig): Promise<string> {
  const { callback, cookie } = await startLogin(rig);
  const done = await rig.gw.app.request(callback, { headers: { Cookie: cookie } });
  assert.equal(done.status, 302, await done.clone().text());
  return cookiesOf(done);
}

/**
 * Waits for an answer while the store holds every call: each time another
 * call is held, moves the fake clock on by the store deadline (1 s), as the
 * real clock would while the store stays silent; fails past `maxMs`.
 * @returns The answer and the fake time it took.
 */
async function answerWithin(
  rig: Rig,
  pending: Promise<Response>,
  maxMs: number,
): Promise<{ res: Response; ms: number }> {
  let done = false;
  pending.then(() => done = true, () => done = true);
  const start = rig.clock.now();
  let held = rig.emulator.stalled;
  while (!done) {
    await until(() => done || rig.emulator.stalled > held, "an answer or a store call held");
    if (done) break;
    held = rig.emulator.stalled;
    if (rig.clock.now() - start >= maxMs) {
      throw new Error(`No answer within ${maxMs} ms with the store stalled`);
    }
    await rig.clock.advance(1_000);
  }
  return { res: await pending, ms: rig.clock.now() - start };
}

redisTest("store stalled: every request is answered within the store deadline", async (t) => {
  await withRig(async (rig) => {
    const { gw, emulator } = rig;
    const session = await logIn(rig);
    const { callback, cookie } = await startLogin(rig);
    emulator.mode = "stall";

    await t.step("a call with a session answers 503 with Retry-After", async () => {
      const { res, ms } = await answerWithin(
        rig,
        Promise.resolve(gw.app.request(SKILLS, { headers: { Cookie: session } })),
        1_000,
      );
      assert.equal(res.status, 503, await res.clone().text());
      assert.equal(res.headers.get("retry-after"), "1");
      assert.match((await res.json()).error, /session/);
      assert.equal(ms, 1_000);
    });

    // The limiter's count fails open after 1 s; the route's own store call then fails closed.
    const routes: [string, () => Promise<Response>][] = [
      ["login", () => Promise.resolve(gw.app.request(`/auth/login?scopes=${SCOPE}`))],
      [
        "callback",
        () => Promise.resolve(gw.app.request(callback, { headers: { Cookie: cookie } })),
      ],
      [
        "logout",
        () =>
          Promise.resolve(
            gw.app.request("/auth/logout", { method: "POST", headers: { Cookie: session } }),
          ),
      ],
    ];
    for (const [name, request] of routes) {
      await t.step(`${name} answers 503 with Retry-After`, async () => {
        const { res, ms } = await answerWithin(rig, request(), 2_000);
        assert.equal(res.status, 503, await res.clone().text());
        assert.equal(res.headers.get("retry-after"), "1");
        await res.body?.cancel();
        assert.equal(ms, 2_000);
      });
    }

    await t.step("an uncached public call still reaches ESI", async () => {
      // Each store call waits at most its deadline: the limiter's count (fails open), then the
      // module's own calls: the cache read, the error budget's read and the cache write.
      const { res, ms } = await answerWithin(
        rig,
        Promise.resolve(gw.app.request("/esi/status")),
        4_000,
      );
      assert.equal(res.status, 200, await res.clone().text());
      await res.body?.cancel();
      assert.ok(ms <= 4_000, `${ms} ms`);
    });

    emulator.mode = "normal";
    await emulator.idle();
  });
});

redisTest("store failing: auth routes answer 503 and log no key or value", async (t) => {
  await withRig(async (rig) => {
    const { gw, emulator, logs } = rig;
    const session = await logIn(rig);
    const sessionId = decodeURIComponent(session.split("=")[1]).split(".")[0];
    const { callback, cookie } = await startLogin(rig);
    const code = new URL(callback, "https://gw.example").searchParams.get("code")!;
    emulator.mode = "error";

    for (
      const [name, request] of [
        ["login", () => gw.app.request(`/auth/login?scopes=${SCOPE}`)],
        ["callback", () => gw.app.request(callback, { headers: { Cookie: cookie } })],
        [
          "logout",
          () => gw.app.request("/auth/logout", { method: "POST", headers: { Cookie: session } }),
        ],
      ] as const
    ) {
      await t.step(`${name} answers 503 with Retry-After`, async () => {
        const res = await request();
        assert.equal(res.status, 503, await res.clone().text());
        assert.equal(res.headers.get("retry-after"), "1");
        await res.body?.cancel();
      });
    }

    await t.step("the log names the failure, without the command", () => {
      const text = JSON.stringify(logs);
      assert.ok(logs.some((l) => l.msg === "store failed"), text);
      assert.ok(!text.includes("command was"), "no Redis command in the log");
      assert.ok(!text.includes(sessionId), "no session id in the log");
      assert.ok(!text.includes(code), "no authorization code in the log");
      assert.ok(!/login:[\w-]{16}/.test(text), "no login nonce in the log");
      assert.ok(!/"v\\?":/.test(text), "no PKCE verifier in the log");
    });
    emulator.mode = "normal";
  });
});
