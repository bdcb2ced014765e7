import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../../worker/config.ts";

const ua = { ESI_USER_AGENT: "MyApp/1.0 (me@example.com)" };
const secret = "0123456789abcdef0123456789abcdef";

function problemsOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("config: defaults need only ESI_USER_AGENT", () => {
  const config = loadConfig(ua);
  assert.equal(config.esiBaseUrl, "https://esi.evetech.net");
  assert.equal(config.tiers.anonymous.limit, 120);
  assert.equal(config.tiers.anonymous.windowMs, 60_000);
  assert.equal(config.tiers.default.algorithm, "sliding");
  assert.equal(config.onStoreError, "open");
  assert.equal(config.requireApiKey, false);
  assert.equal(config.trustProxyHops, 0);
  assert.equal(config.metricsToken, undefined);
  assert.deepEqual(config.corsOrigins, []);
  assert.equal(config.upstash, undefined);
});

Deno.test("config: one message lists every problem", () => {
  const error = problemsOf({
    RATE_LIMIT: "abc",
    RATE_LIMIT_WINDOW: "soon",
    ESI_BASE_URL: "ftp://x",
    ESI_COMPATIBILITY_DATE: "yesterday",
    RATE_LIMIT_ON_STORE_ERROR: "maybe",
    UPSTASH_REDIS_REST_URL: "https://example.upstash.io",
    CORS_ORIGINS: "https://ok.example,not an origin,https://evil.example\\ok.example",
    MAX_BODY_BYTES: "0",
  });
  assert.equal(
    error.message,
    // Each setting in the settings table's order, then the ones that go together.
    "Cannot start the gateway: ESI_USER_AGENT is missing; " +
      'ESI_BASE_URL "ftp://x" must be an http(s) origin; ' +
      'ESI_COMPATIBILITY_DATE "yesterday" is not a YYYY-MM-DD date; ' +
      'RATE_LIMIT "abc" is not a number; ' +
      'RATE_LIMIT_WINDOW "soon" is not a duration like "60 s"; ' +
      'RATE_LIMIT_ON_STORE_ERROR "maybe" must be "open" or "closed"; ' +
      'CORS_ORIGINS entry "not an origin" must be an origin like https://app.example; ' +
      'CORS_ORIGINS entry "https://evil.example\\ok.example" must be an origin like https://app.example; ' +
      'MAX_BODY_BYTES "0" must be at least 1; ' +
      "UPSTASH_REDIS_REST_TOKEN is missing (Upstash needs both the URL and the token)",
  );
  assert.equal(error.problems.length, 10);
});

Deno.test("config: secrets never appear in messages", () => {
  const hidden = "hunter2-hunter2-hunter2-hunter2-x";
  const error = problemsOf({
    ...ua,
    API_KEYS: `{"app": {"secret": "${hidden}"`, // broken JSON
    METRICS_TOKEN: "short",
    UPSTASH_REDIS_REST_TOKEN: hidden,
  });
  assert.ok(!error.message.includes(hidden));
  assert.ok(!error.message.includes("short"));
  assert.match(error.message, /API_KEYS is not valid JSON/);
  assert.match(error.message, /METRICS_TOKEN must be at least 16 characters long/);
  assert.match(error.message, /UPSTASH_REDIS_REST_URL is missing/);
});

Deno.test("config: API keys and tiers", async (t) => {
  await t.step("keys name defined tiers and carry long secrets", () => {
    const config = loadConfig({
      ...ua,
      RATE_LIMIT_TIERS: JSON.stringify({ gold: { limit: 600, window: "1 m", algorithm: "fixed" } }),
      API_KEYS: JSON.stringify({ app: { secret, tier: "gold" }, other: { secret } }),
      REQUIRE_API_KEY: "true",
    });
    assert.equal(config.apiKeys.get("app")?.tier, "gold");
    assert.equal(config.apiKeys.get("other")?.tier, "default");
    assert.deepEqual(config.tiers.gold, {
      limit: 600,
      window: "1 m",
      windowMs: 60_000,
      algorithm: "fixed",
    });
    assert.equal(config.requireApiKey, true);
  });

  await t.step("every bad key and tier is listed", () => {
    const error = problemsOf({
      ...ua,
      RATE_LIMIT_TIERS: JSON.stringify({ gold: { limit: 0, window: "x", algorithm: "leaky" } }),
      API_KEYS: JSON.stringify({
        app: { secret: "short", tier: "platinum" },
        "bad id!": { secret },
      }),
    });
    assert.deepEqual(error.problems, [
      'RATE_LIMIT_TIERS tier "gold" "limit" must be a whole number of at least 1',
      'RATE_LIMIT_TIERS tier "gold" "window" must be a duration like "60 s"',
      'RATE_LIMIT_TIERS tier "gold" "algorithm" must be "sliding" or "fixed"',
      'API_KEYS key "app" needs a "secret" of at least 32 characters',
      'API_KEYS key id "bad id!" must be letters, digits, "_", "-" or "." (64 at most)',
    ]);
    // A key's tier is checked once the tiers are known.
    assert.deepEqual(
      problemsOf({
        ...ua,
        API_KEYS: JSON.stringify({ app: { secret, tier: "platinum" } }),
      }).problems,
      ['API_KEYS key "app" names tier "platinum", which RATE_LIMIT_TIERS does not define'],
    );
  });

  await t.step("REQUIRE_API_KEY without keys is refused", () => {
    const error = problemsOf({ ...ua, REQUIRE_API_KEY: "true" });
    assert.deepEqual(error.problems, ["REQUIRE_API_KEY is true but API_KEYS is missing"]);
  });
});

Deno.test("config: proxy trust, CORS, Upstash, defaults from the entry", () => {
  const config = loadConfig(
    {
      TRUST_PROXY: "true",
      CORS_ORIGINS: "https://a.example, https://b.example",
      UPSTASH_REDIS_REST_URL: "https://x.upstash.io",
      UPSTASH_REDIS_REST_TOKEN: "tok",
      ESI_USER_AGENT: "  ",
    },
    { ESI_USER_AGENT: "Default/1.0" },
  );
  assert.equal(config.trustProxyHops, 1);
  assert.deepEqual(config.corsOrigins, ["https://a.example", "https://b.example"]);
  assert.deepEqual(config.upstash, { url: "https://x.upstash.io", token: "tok" });
  assert.equal(config.userAgent, "Default/1.0");
  assert.equal(loadConfig({ ...ua, TRUST_PROXY: "2" }).trustProxyHops, 2);
  assert.equal(loadConfig({ ...ua, TRUST_PROXY: "false" }).trustProxyHops, 0);
});
