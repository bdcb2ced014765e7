import assert from "node:assert/strict";
import { EsiClient, EsiRequestError } from "../../mod.ts";
import { sha256Hex } from "../../src/digest.ts";
import { canonicalString, hmacKey } from "../../src/signing/canonical.ts";
import { signatureHeaders } from "../../src/signing/sign.ts";
import { verifySignature } from "../../src/signing/verify.ts";

const secret = "a secret of at least thirty-two characters";

Deno.test("the client signs every request to a gateway, each with its own nonce", async () => {
  const key = await hmacKey(secret);
  const seen: { ok: boolean; nonce: string; path: string }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const body = new Uint8Array(await req.arrayBuffer());
    const canonical = canonicalString({
      method: req.method,
      pathAndQuery: url.pathname + url.search,
      timestamp: req.headers.get("x-timestamp") ?? "",
      nonce: req.headers.get("x-nonce") ?? "",
      bodySha256: await sha256Hex(body),
    });
    const ok = req.headers.get("x-api-key") === "my-app" &&
      await verifySignature(key, canonical, req.headers.get("x-signature") ?? "");
    seen.push({ ok, nonce: req.headers.get("x-nonce") ?? "", path: url.pathname + url.search });
    const headers = { "content-type": "application/json", "cache-control": "no-store" };
    return new Response(req.method === "POST" ? "[]" : '{"players":1}', {
      status: ok ? 200 : 401,
      headers,
    });
  });
  try {
    const esi = new EsiClient({
      userAgent: "t",
      baseUrl: `http://127.0.0.1:${server.addr.port}/esi`,
      apiKey: "my-app",
      apiSecret: secret,
    });
    await esi.get("/status");
    await esi.get("/status");
    await esi.post("/universe/names", { body: [30000142] });
    await esi.get("/markets/{region_id}/orders", {
      path: { region_id: 10000002 },
      query: { order_type: "all", type_id: 34 },
    });
    assert.deepEqual(seen.map((s) => s.ok), [true, true, true, true]);
    assert.equal(seen[0].path, "/esi/status");
    assert.equal(seen[3].path, "/esi/markets/10000002/orders?order_type=all&type_id=34");
    assert.notEqual(seen[0].nonce, seen[1].nonce);
    assert.match(seen[0].nonce, /^[A-Za-z0-9_-]{16}$/);
  } finally {
    await server.shutdown();
  }
});

Deno.test("a signature over other parts does not verify", async () => {
  const key = await hmacKey(secret);
  const headers = await signatureHeaders(
    { method: "GET", url: "http://127.0.0.1/esi/status" },
    { apiKey: "my-app", apiSecret: key },
    Date.UTC(2026, 6, 17),
  );
  const parts = {
    method: "GET",
    pathAndQuery: "/esi/status",
    timestamp: headers["X-Timestamp"],
    nonce: headers["X-Nonce"],
    bodySha256: await sha256Hex(""),
  };
  assert.equal(await verifySignature(key, canonicalString(parts), headers["X-Signature"]), true);
  for (
    const change of [{ method: "POST" }, { pathAndQuery: "/esi/status?x=1" }, { nonce: "other" }]
  ) {
    assert.equal(
      await verifySignature(key, canonicalString({ ...parts, ...change }), headers["X-Signature"]),
      false,
    );
  }
  assert.equal(await verifySignature(key, canonicalString(parts), "zz"), false);
});

Deno.test("apiKey and apiSecret go together, and the secret is not empty", () => {
  assert.throws(() => new EsiClient({ userAgent: "t", apiKey: "k" }), EsiRequestError);
  assert.throws(
    () => new EsiClient({ userAgent: "t", apiKey: "k", apiSecret: "" }),
    /^EsiRequestError: Cannot create the client: apiSecret is empty$/,
  );
});
