import assert from "node:assert/strict";
import { UnsecuredJWT } from "jose";
import { EsiSimulator, type EsiSimulatorOptions, FakeClock } from "../../src/testing/mod.ts";

const CHAR = 2112625428;
const START = Date.UTC(2026, 6, 17, 12);

function simulator(options: EsiSimulatorOptions = {}): EsiSimulator {
  return new EsiSimulator({ clock: new FakeClock({ start: START }), ...options });
}

function bearer(scopes: string[]): Record<string, string> {
  const jwt = new UnsecuredJWT({
    sub: `CHARACTER:EVE:${CHAR}`,
    scp: scopes,
    exp: Math.floor(START / 1000) + 1200,
  }).encode();
  return { authorization: `Bearer ${jwt}` };
}

async function call<T>(
  sim: EsiSimulator,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: T }> {
  const res = await sim.fetch(path, init);
  return { status: res.status, headers: res.headers, body: await res.json() };
}

const post = (body: unknown): RequestInit => ({ method: "POST", body: JSON.stringify(body) });

Deno.test("GET /alliances lists alliance ids, each answering its own name", async () => {
  const sim = simulator();
  const { body: ids } = await call<number[]>(sim, "/alliances");
  assert.ok(Array.isArray(ids) && ids.length > 0, `an array of ids, got ${JSON.stringify(ids)}`);
  const { body: names } = await call<{ id: number; name: string; category: string }[]>(
    sim,
    "/universe/names",
    post(ids),
  );
  for (const [i, id] of ids.entries()) {
    const { body: alliance } = await call<{ name: string }>(sim, `/alliances/${id}`);
    assert.equal(names[i].category, "alliance");
    assert.equal(alliance.name, names[i].name);
  }
});

Deno.test("POST /universe/ids answers an object of the names it found, by category", async () => {
  const sim = simulator();
  const { status, body } = await call(sim, "/universe/ids", post(["Jita", "Tritanium", "Nobody"]));
  assert.equal(status, 200);
  assert.deepEqual(body, {
    systems: [{ id: 30000142, name: "Jita" }],
    inventory_types: [{ id: 34, name: "Tritanium" }],
  });
  assert.equal((await call(sim, "/universe/ids", post([]))).status, 400);
});

Deno.test("market orders honour order_type and type_id, in one page for one type", async () => {
  const sim = simulator();
  type Order = { is_buy_order: boolean; type_id: number; location_id: number };
  const sells = await call<Order[]>(sim, "/markets/10000002/orders?order_type=sell&type_id=34");
  assert.equal(sells.headers.get("x-pages"), "1");
  assert.ok(sells.body.length > 0);
  assert.ok(sells.body.every((o) => !o.is_buy_order && o.type_id === 34));
  const buys = await call<Order[]>(sim, "/markets/10000002/orders?order_type=buy&page=2");
  assert.equal(buys.headers.get("x-pages"), "3");
  assert.ok(buys.body.every((o) => o.is_buy_order));
  const all = await call<Order[]>(sim, "/markets/10000002/orders?order_type=all");
  assert.deepEqual(new Set(all.body.map((o) => o.is_buy_order)), new Set([true, false]));
  // Every type traded is a type of /universe/types; The Forge trades at Jita 4-4.
  const { body: types } = await call<number[]>(sim, "/universe/types");
  assert.ok(all.body.every((o) => types.includes(o.type_id)));
  assert.ok(all.body.every((o) => o.location_id === 60003760));
});

Deno.test("a character's corporation and alliance exist and carry the names ids resolve to", async () => {
  const sim = simulator();
  const { body: me } = await call<{ name: string; corporation_id: number; alliance_id?: number }>(
    sim,
    `/characters/${CHAR}`,
  );
  assert.equal(me.name, "Some Bloke");
  const { body: corp } = await call<{ name: string; alliance_id?: number }>(
    sim,
    `/corporations/${me.corporation_id}`,
  );
  assert.equal(corp.alliance_id, me.alliance_id);
  const { body: named } = await call<{ id: number; name: string }[]>(
    sim,
    "/universe/names",
    post([CHAR, me.corporation_id]),
  );
  assert.deepEqual(named.map((n) => n.name), ["Some Bloke", corp.name]);
  const { body: ids } = await call<{ corporations: { id: number }[] }>(
    sim,
    "/universe/ids",
    post([corp.name]),
  );
  assert.deepEqual(ids.corporations, [{ id: me.corporation_id, name: corp.name }]);
  const { body: affiliation } = await call(sim, "/characters/affiliation", post([CHAR]));
  assert.deepEqual(affiliation, [{
    ...(me.alliance_id === undefined ? {} : { alliance_id: me.alliance_id }),
    character_id: CHAR,
    corporation_id: me.corporation_id,
  }]);
});

Deno.test("the same seed answers the same bytes; another seed other players", async () => {
  const text = async (sim: EsiSimulator, path: string) => await (await sim.fetch(path)).text();
  const path = `/characters/90000001`;
  assert.equal(await text(simulator(), path), await text(simulator(), path));
  assert.notEqual(
    await text(simulator({ data: { seed: 2 } }), path),
    await text(simulator(), path),
  );
});

Deno.test("assets and the wallet journal come in ESI's page sizes, journal newest first", async () => {
  const sim = simulator();
  const assets = await call<{ type_id: number }[]>(
    sim,
    `/characters/${CHAR}/assets`,
    { headers: bearer(["esi-assets.read_assets.v1"]) },
  );
  assert.equal(assets.headers.get("x-pages"), "2");
  assert.equal(assets.body.length, 1000);
  const journal = await call<{ id: number; date: string }[]>(
    sim,
    `/characters/${CHAR}/wallet/journal?page=2`,
    { headers: bearer(["esi-wallet.read_character_wallet.v1"]) },
  );
  assert.equal(journal.headers.get("x-pages"), "2");
  assert.equal(journal.body.length, 2500);
  const dates = journal.body.map((e) => Date.parse(e.date));
  assert.ok(dates.every((d, i) => i === 0 || d < dates[i - 1]));
  assert.equal(new Set(journal.body.map((e) => e.id)).size, 2500);
});

Deno.test("a corporation's members are the characters whose corporation it is", async () => {
  const sim = simulator();
  const { body: me } = await call<{ corporation_id: number }>(sim, `/characters/${CHAR}`);
  const { body: members } = await call<number[]>(
    sim,
    `/corporations/${me.corporation_id}/members`,
    { headers: bearer(["esi-corporations.read_corporation_membership.v1"]) },
  );
  assert.ok(members.includes(CHAR));
  for (const id of members) {
    const { body } = await call<{ corporation_id: number }>(sim, `/characters/${id}`);
    assert.equal(body.corporation_id, me.corporation_id);
  }
});
