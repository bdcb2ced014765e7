/**
 * Testing an app offline: ESI and EVE SSO simulated in-process (their
 * `fetch` handlers, no socket, no network), a character logged in through
 * the SSO simulator, and scripted faults and data. Run it with
 * `deno test examples/offline/`.
 */
import assert from "node:assert/strict";
import { EsiClient } from "@esikit/esi";
import { EveSso, TokenManager } from "@esikit/esi/sso";
import { EsiSimulator, FakeClock, SsoSimulator } from "@esikit/esi/testing";
import { pilotSummary } from "./app.ts";

const CLIENT = { clientId: "my-app", redirectUris: ["http://localhost:8000/callback"] };
const PILOT = { characterId: 2112625428, name: "Some Bloke" };

/** The app's world, simulated: an SSO, an ESI that trusts its tokens, a logged-in pilot. */
async function offline(scopes = ["esi-assets.read_assets.v1"]) {
  // Time moves only when something waits (a retry's back-off): tests run at full speed.
  const clock = new FakeClock({ autoAdvance: true });
  const sso = await SsoSimulator.create({ clock, clients: [CLIENT], character: PILOT });
  const sim = new EsiSimulator({ clock, verifyToken: sso.verifyToken });
  const eve = new EveSso({
    clientId: CLIENT.clientId,
    redirectUri: CLIENT.redirectUris[0],
    metadataUrl: sso.metadataUrl,
    fetch: sso.fetch,
    clock,
  });
  const tokens = new TokenManager({ sso: eve, clock });
  // As if the pilot had logged in: the tokens are verified against the SSO's keys, then kept.
  await tokens.add(
    await sso.issueTokens({
      clientId: CLIENT.clientId,
      scopes,
    }),
  );
  const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)", fetch: sim.fetch, clock });
  return { sim, me: esi.withToken(tokens.source(PILOT.characterId)) };
}

Deno.test("the summary shows the pilot, their corporation, every asset and the best price", async () => {
  const { sim, me } = await offline();
  sim.route("GET /markets/{region_id}/orders", {
    pages: [[
      { order_id: 1, type_id: 34, is_buy_order: false, price: 5.5 },
      { order_id: 2, type_id: 34, is_buy_order: false, price: 4.25 },
    ]],
  });
  const summary = await pilotSummary(me, PILOT.characterId);
  assert.equal(summary.name, "Some Bloke");
  assert.match(summary.corporation, /\S/);
  assert.equal(summary.items, 2000); // two pages of ESI's 1000
  assert.equal(summary.tritanium, 4.25);
});

Deno.test("a 503 from ESI is retried, and the app still gets its summary", async () => {
  const { sim, me } = await offline();
  sim.fault("GET /characters/{character_id}/assets", { statuses: [503] });
  const summary = await pilotSummary(me, PILOT.characterId);
  assert.equal(summary.items, 2000);
  const assets = sim.requests.filter((r) => r.route === "GET /characters/{character_id}/assets");
  assert.deepEqual(assets.map((r) => r.status), [503, 200, 200]);
});

Deno.test("a pilot who did not grant the assets scope is refused before anything is sent", async () => {
  const { sim, me } = await offline([]);
  await assert.rejects(
    pilotSummary(me, PILOT.characterId),
    /lacks scope "esi-assets\.read_assets\.v1"/,
  );
  assert.equal(sim.requests.filter((r) => r.route?.endsWith("/assets")).length, 0);
});
