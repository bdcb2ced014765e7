/**
 * Start-up failures of `deno run worker/deno.ts`, as a user meets them: one
 * line on standard error saying what failed and what to change, exit code 1,
 * no stack trace.
 *
 * @module
 */

import assert from "node:assert/strict";

const entry = new URL("../../worker/deno.ts", import.meta.url).pathname;

async function start(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", entry],
    env: {
      ESI_USER_AGENT: "esikit-tests/1.0 (tests@example.com)",
      DENO_KV_PATH: ":memory:",
      ...env,
    },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code, stderr: new TextDecoder().decode(stderr).trim() };
}

function assertOneLine(stderr: string, pattern: RegExp): void {
  assert.equal(stderr.split("\n").length, 1, `one line, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /\bat \S+:\d+/, "no stack trace");
  assert.match(stderr, pattern);
}

Deno.test("deno entry: start-up failures are one clear line and exit code 1", async (t) => {
  await t.step("the port is in use", async () => {
    using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (taken.addr as Deno.NetAddr).port;
    const { code, stderr } = await start({ PORT: String(port) });
    assert.equal(code, 1);
    assertOneLine(
      stderr,
      new RegExp(
        `^Cannot start the gateway: HOST "127\\.0\\.0\\.1" and PORT "${port}" cannot be listened on: the port is in use`,
      ),
    );
  });
  await t.step("HOST is not this machine's", async () => {
    const { code, stderr } = await start({ PORT: "0", HOST: "203.0.113.77" });
    assert.equal(code, 1);
    assertOneLine(
      stderr,
      /^Cannot start the gateway: HOST "203\.0\.113\.77" and PORT "0" cannot be listened on: /,
    );
  });
  await t.step("DENO_KV_PATH cannot be opened", async () => {
    const { code, stderr } = await start({ PORT: "0", DENO_KV_PATH: "/nonexistent-esikit/dir/kv" });
    assert.equal(code, 1);
    assertOneLine(
      stderr,
      /^Cannot start the gateway: DENO_KV_PATH "\/nonexistent-esikit\/dir\/kv" cannot be opened: /,
    );
  });
  await t.step("a bad setting", async () => {
    const { code, stderr } = await start({ PORT: "eighty" });
    assert.equal(code, 1);
    assertOneLine(stderr, /^Cannot start the gateway: PORT "eighty" is not a port number$/);
  });
});
