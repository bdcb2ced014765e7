import assert from "node:assert/strict";
import { passHeaders } from "../../worker/proxy/headers.ts";

const esi = (extra: Record<string, string> = {}) =>
  new Headers({
    "content-type": "application/json; charset=UTF-8",
    etag: '"abc"',
    "last-modified": "Sat, 21 Nov 2026 07:00:00 GMT",
    "cache-control": "public, max-age=60, must-revalidate, stale-if-error=300",
    "x-esi-request-id": "r-1",
    "x-ratelimit-remaining": "149",
    server: "nginx",
    "set-cookie": "upstream=1",
    ...extra,
  });

Deno.test("passHeaders: the module's expiry as Expires, and no max-age to restart downstream", () => {
  const expiresAt = Date.UTC(2026, 10, 21, 7, 0, 45, 500);
  const out = passHeaders(esi(), { usesToken: false, expiresAt });
  assert.deepEqual(out, {
    "content-type": "application/json; charset=UTF-8",
    etag: '"abc"',
    "last-modified": "Sat, 21 Nov 2026 07:00:00 GMT",
    "cache-control": "public, must-revalidate, stale-if-error=300",
    "x-esi-request-id": "r-1",
    "x-ratelimit-remaining": "149",
    expires: "Sat, 21 Nov 2026 07:00:45 GMT",
    vary: "Accept-Language, X-Compatibility-Date",
  });
  // ESI's own Expires gives way to the module's reckoning (max-age minus Age).
  const withEsiExpires = passHeaders(esi({ expires: "Sat, 21 Nov 2026 07:01:00 GMT" }), {
    usesToken: false,
    expiresAt,
  });
  assert.equal(withEsiExpires.expires, "Sat, 21 Nov 2026 07:00:45 GMT");
});

Deno.test("passHeaders: without any expiry, ESI's max-age stays", () => {
  const out = passHeaders(esi(), { usesToken: false });
  assert.equal(out["cache-control"], "public, max-age=60, must-revalidate, stale-if-error=300");
  assert.equal(out.expires, undefined);
});

Deno.test("passHeaders: a character's answer is private and varies by token and cookie", () => {
  const out = passHeaders(esi(), { usesToken: true, expiresAt: Date.UTC(2026, 10, 21, 7, 1) });
  assert.equal(out["cache-control"], "private, must-revalidate, stale-if-error=300");
  assert.equal(out.vary, "Authorization, Cookie, Accept-Language, X-Compatibility-Date");
  const bare = passHeaders(new Headers(), { usesToken: true });
  assert.deepEqual(bare, {
    vary: "Authorization, Cookie, Accept-Language, X-Compatibility-Date",
    "cache-control": "private",
  });
});
