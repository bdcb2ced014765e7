import assert from "node:assert/strict";
import type { LogRecord } from "../../worker/context.ts";
import { serveGateway } from "../../worker/deno.ts";

const CHAR = 2112625428;

Deno.test("demo: a character logged in through the SSO simulator can call token routes", async () => {
  const logs: LogRecord[] = [];
  const running = await serveGateway({
    env: { PORT: "0", DENO_KV_PATH: ":memory:", ESIKIT_UPSTREAM: "simulator" },
    logger: (r) => logs.push(r),
  });
  try {
    const line = logs.find((l) => typeof l.tokenFile === "string");
    assert.ok(line, "the demo says where the character's token is");
    assert.match(line.msg, /Some Bloke \(2112625428\)/);
    assert.ok(logs.every((l) => !/eyJ/.test(JSON.stringify(l))), "no token in the logs");
    const token = (await Deno.readTextFile(line.tokenFile as string)).trim();
    const assets = await fetch(`${running.url}/esi/characters/${CHAR}/assets`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(assets.status, 200);
    assert.equal((await assets.json()).length, 1000);
    const anonymous = await fetch(`${running.url}/esi/characters/${CHAR}/assets`);
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
    const forged = await fetch(`${running.url}/esi/characters/${CHAR}/assets`, {
      headers: { authorization: `Bearer ${token.slice(0, -4)}AAAA` },
    });
    assert.equal(forged.status, 401);
    await forged.body?.cancel();
  } finally {
    await running.close();
  }
  const line = logs.find((l) => typeof l.tokenFile === "string")!;
  await assert.rejects(Deno.stat(line.tokenFile as string), Deno.errors.NotFound);
});
