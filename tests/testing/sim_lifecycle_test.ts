import assert from "node:assert/strict";
import { EsiSimulator, FakeClock, SsoSimulator } from "../../src/testing/mod.ts";
import { serve } from "../../src/testing/deno.ts";

const root = new URL("../../", import.meta.url);

// A port the OS just handed out and nobody holds any more.
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

Deno.test("nothing ./testing loads calls a Deno API: only the ./testing/deno adapter does", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "src/testing/mod.ts"],
    cwd: root,
    stdout: "piped",
  }).output();
  const graph = JSON.parse(new TextDecoder().decode(out.stdout));
  const local = (graph.modules as { local?: string }[])
    .map((m) => m.local)
    .filter((path): path is string => !!path && path.startsWith(root.pathname + "src/"));
  assert.ok(local.some((path) => path.endsWith("src/testing/esi_simulator.ts")));
  const offenders: string[] = [];
  for (const path of local) {
    // Code only: comments may name Deno.serve to point at the adapter.
    const code = (await Deno.readTextFile(path))
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/^\s*\/\/.*$/gm, "");
    if (/\bDeno\.\w/.test(code)) offenders.push(path.slice(root.pathname.length));
  }
  assert.deepEqual(offenders, []);
});

Deno.test("both simulators answer through fetch, and start() without a listener says how to serve", async () => {
  const clock = new FakeClock();
  const esi = new EsiSimulator({ clock });
  const sso = await SsoSimulator.create({ clock });
  assert.equal((await esi.fetch("https://esi.evetech.net/status")).status, 200);
  const metadata = await (await sso.fetch(sso.metadataUrl)).json();
  assert.equal(metadata.token_endpoint, "http://sso.simulator/v2/oauth/token");
  await assert.rejects(
    esi.start(),
    /Cannot start the ESI simulator: no listener; serve it with serve\(\)/,
  );
  await assert.rejects(sso.start(), /Cannot start the SSO simulator: no listener/);
  assert.throws(() => esi.url, /call start\(\) first/);
  assert.throws(() => sso.url, /call start\(\) first/);
});

Deno.test("one lifecycle: serve on the port given, refuse a second start, close, serve again", async (t) => {
  const kinds: [string, (port?: number) => Promise<EsiSimulator | SsoSimulator>][] = [
    ["EsiSimulator", (port) => Promise.resolve(new EsiSimulator({ port }))],
    ["SsoSimulator", (port) => SsoSimulator.create({ port })],
  ];
  for (const [name, make] of kinds) {
    await t.step(name, async () => {
      const port = freePort();
      const sim = await make();
      await using served = await serve(await make(port));
      assert.equal(served.url, `http://127.0.0.1:${port}`);
      await serve(sim);
      await assert.rejects(serve(sim), /it is already serving/);
      const url = sim.url;
      await (await fetch(`${url}/status`)).body?.cancel();
      await sim.close();
      await assert.rejects(fetch(`${url}/status`));
      assert.throws(() => sim.url);
      {
        const other = freePort();
        await using again = await serve(sim, { port: other }); // serve's port wins
        assert.equal(again.url, `http://127.0.0.1:${other}`);
      }
      assert.throws(() => sim.url, "asyncDispose closed it");
    });
  }
});
