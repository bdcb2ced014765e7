import assert from "node:assert/strict";
import { EsiTokenInvalidError } from "../../src/sso/errors.ts";
import { MetricsRegistry } from "../../src/observe/registry.ts";
import { signRequest } from "../../src/signing/sign.ts";
import { GatewayMetrics } from "../../worker/metrics.ts";
import { parsePrometheus, sampleValue } from "../support/prometheus_parser.ts";
import { SECRET, testGateway } from "./helpers.ts";

const keys = JSON.stringify({ app: { secret: SECRET } });
const BAD_TOKEN = "eyJhbGciOiJSUzI1NiJ9.bad-token-payload.c2ln";

/** A gateway whose callers' addresses come from `X-Forwarded-For` (one trusted proxy). */
function gateway() {
  let verifications = 0;
  const registry = new MetricsRegistry();
  const gw = testGateway({
    env: { API_KEYS: keys, TRUST_PROXY: "1" },
    verifyToken: () => {
      verifications++; // an RSA verification each, in production
      return Promise.reject(new EsiTokenInvalidError("signature", "Cannot verify: bad signature"));
    },
    deps: { gatewayMetrics: new GatewayMetrics({ registry }) },
  });
  return { ...gw, registry, verifications: () => verifications };
}

async function status(res: Response | Promise<Response>): Promise<number> {
  const answer = await res;
  await answer.body?.cancel();
  return answer.status;
}

Deno.test("auth failures: an address that keeps failing is refused before verification", async (t) => {
  const gw = gateway();
  const { app, clock, registry } = gw;
  const bearer = (from: string) =>
    app.request("/esi/characters/1/skills", {
      headers: { Authorization: `Bearer ${BAD_TOKEN}`, "X-Forwarded-For": from },
    });

  await t.step("bad bearer tokens: 20 are verified and refused, the rest are 429", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) statuses.push(await status(bearer("203.0.113.7")));
    assert.deepEqual(statuses.slice(0, 20), Array(20).fill(401));
    assert.deepEqual(statuses.slice(20), Array(180).fill(429));
    assert.equal(gw.verifications(), 20, "no verification once the address is refused");
    const refused = await bearer("203.0.113.7");
    assert.ok(Number(refused.headers.get("retry-after")) >= 1);
    assert.match((await refused.json()).error, /authentication/);
  });

  await t.step("bad signatures from the same address are refused too", async () => {
    const request = await signRequest(new Request("http://localhost/esi/status"), {
      apiKey: "app",
      apiSecret: "not-the-secret-not-the-secret-not-the-secret",
      now: clock.now(),
    });
    request.headers.set("X-Forwarded-For", "203.0.113.7");
    assert.equal(await status(app.request(request)), 429);
  });

  await t.step("another address is not affected", async () => {
    assert.equal(await status(bearer("198.51.100.1")), 401);
    assert.equal(
      await status(app.request("/esi/status", {
        headers: { "X-Forwarded-For": "198.51.100.1" },
      })),
      502,
    ); // on to (unreachable) ESI: not refused by the gateway
  });

  await t.step("bad signatures alone reach the limit as well", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const request = await signRequest(new Request("http://localhost/esi/status"), {
        apiKey: "app",
        apiSecret: "not-the-secret-not-the-secret-not-the-secret",
        now: clock.now(),
      });
      request.headers.set("X-Forwarded-For", "192.0.2.55");
      statuses.push(await status(app.request(request)));
    }
    assert.deepEqual(statuses, [...Array(20).fill(401), ...Array(10).fill(429)]);
  });

  await t.step("the window passes: the address may try again", async () => {
    await clock.advance(120_000);
    assert.equal(await status(bearer("203.0.113.7")), 401);
  });

  await t.step("failures and refusals are counted", () => {
    const families = parsePrometheus(registry.toPrometheus());
    const failures = (reason: string) =>
      sampleValue(families, "gateway_auth_failures_total", { reason });
    assert.equal(failures("token_invalid"), 20 + 1 + 1);
    assert.equal(failures("signature"), 20);
    assert.equal(failures("throttled"), 180 + 1 + 10 + 1);
  });
});
