import assert from "node:assert/strict";
import { readFreshness } from "../../src/cache/freshness.ts";

const now = Date.UTC(2026, 6, 17, 12);
const h = (init: Record<string, string>) => new Headers(init);

Deno.test("max-age minus Age wins over Expires", () => {
  const f = readFreshness(
    h({
      "cache-control": "public, max-age=300",
      age: "100",
      expires: new Date(now + 999_000).toUTCString(),
    }),
    now,
  );
  assert.deepEqual(f, { storable: true, lifetimeMs: 200_000, staleIfErrorMs: 0 });
});

Deno.test("Expires minus Date is immune to clock skew", () => {
  const serverNow = now - 3_600_000; // the server's clock is an hour behind ours
  const f = readFreshness(
    h({
      date: new Date(serverNow).toUTCString(),
      expires: new Date(serverNow + 60_000).toUTCString(),
    }),
    now,
  );
  assert.equal(f.lifetimeMs, 60_000);
});

Deno.test("no-store is not stored, no-cache revalidates at once, stale-if-error is read", () => {
  assert.equal(readFreshness(h({ "cache-control": "no-store" }), now).storable, false);
  assert.equal(readFreshness(h({ "cache-control": "no-cache, max-age=60" }), now).lifetimeMs, 0);
  const f = readFreshness(
    h({ "cache-control": "public, max-age=5, must-revalidate, stale-if-error=86400" }),
    now,
  );
  assert.deepEqual(f, { storable: true, lifetimeMs: 5_000, staleIfErrorMs: 86_400_000 });
  assert.equal(readFreshness(h({}), now).lifetimeMs, 0);
});
