import assert from "node:assert/strict";
import { EsiSimulator, SsoSimulator } from "../../src/testing/mod.ts";
import { lines, runCli, spawnCli } from "../support/cli.ts";
import { serve } from "../../src/testing/deno.ts";

const CLIENT_ID = "esikit-cli-tests";
const CHARACTER = 2112625428;
const assets = "/characters/{character_id}/assets";

/** Reads a child's stderr until `pattern` shows; returns what was read and the rest to come. */
async function readUntil(child: Deno.ChildProcess, pattern: RegExp) {
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!pattern.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`The CLI ended before printing ${pattern}: ${text}`);
    text += value;
  }
  const rest = (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += r.value;
    return text;
  })();
  return { match: text.match(pattern)!, rest };
}

Deno.test("login, whoami, get --as, an expired login, logout", async (t) => {
  // Access tokens live 30 s, under the 60 s refresh margin: every use refreshes.
  await using sso = await serve(await SsoSimulator.create({ accessTokenLifetime: 30 }));
  await using esi = new EsiSimulator({
    data: { assetPages: 2, assetsPerPage: 3, walletTransactions: 7, walletPageSize: 3 },
  });
  await serve(esi);
  const configDir = await Deno.makeTempDir({ prefix: "esikit-login-" });
  const base = ["--base-url", esi.url];

  await t.step("login: PKCE, a loopback redirect, tokens sealed on disk", async () => {
    const child = spawnCli([
      "login",
      "--client-id",
      CLIENT_ID,
      "--port",
      "0",
      "--sso-url",
      sso.metadataUrl,
      "--no-browser",
      "--scopes",
      "esi-assets.read_assets.v1,esi-wallet.read_character_wallet.v1",
    ], { configDir });
    const { match, rest } = await readUntil(child, /^(http:\/\/\S+)$/m);
    const login = new URL(match[1]);
    assert.equal(login.searchParams.get("code_challenge_method"), "S256");
    const redirectUri = login.searchParams.get("redirect_uri")!;
    assert.match(redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    sso.registerClient({ clientId: CLIENT_ID, redirectUris: [redirectUri] });
    // The browser's part: the SSO approves and redirects to the CLI's loopback.
    const approved = await fetch(login, { redirect: "manual" });
    const back = await fetch(approved.headers.get("location")!);
    assert.match(await back.text(), /logged in/);
    const { code } = await child.status;
    const stderr = await rest;
    assert.equal(code, 0, stderr);
    assert.match(stderr, /^esikit: logged in as Some Bloke \(2112625428\) with 2 scopes$/m);
    const sealed = await Deno.readTextFile(`${configDir}/tokens.json`);
    assert.doesNotMatch(sealed, /eyJ/, "no readable JWT on disk");
    assert.equal((await Deno.stat(`${configDir}/key`)).mode! & 0o077, 0, "the key is the user's");
  });

  await t.step("whoami lists the character and its scopes", async () => {
    const run = await runCli(["whoami"], { configDir });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^\* Some Bloke \(2112625428\): access token /m);
    assert.match(run.stdout, /scopes: esi-assets\.read_assets\.v1/);
  });

  await t.step("get --as calls with the character's token, refreshed as needed", async () => {
    const run = await runCli(
      ["get", assets, "-p", `character_id=${CHARACTER}`, "--as", "some bloke", "--all", ...base],
      { configDir },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.ok(Array.isArray(JSON.parse(run.stdout)));
    assert.equal(esi.requests.at(-1)?.headers.authorization, "Bearer <redacted>");
    assert.ok(sso.requests.some((r) => r.endpoint === "token" && r.grantType === "refresh_token"));
  });

  await t.step(
    "get --all walks a from_id route (wallet transactions) back to the start",
    async () => {
      const run = await runCli([
        "get",
        "/characters/{character_id}/wallet/transactions",
        "-p",
        `character_id=${CHARACTER}`,
        "--as",
        "Some Bloke",
        "--all",
        "-f",
        "jsonl",
        ...base,
      ], { configDir });
      assert.equal(run.code, 0, run.stderr);
      const ids = lines(run.stdout).map((l) => JSON.parse(l).transaction_id);
      assert.equal(ids.length, 7);
      assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
      assert.match(lines(run.stderr).at(-1)!, /^esikit: \d+\/\? batches \| 7 records .*\| done/);
    },
  );

  await t.step("a scope the login lacks is refused before anything is sent", async () => {
    const sent = esi.requests.length;
    const run = await runCli(
      [
        "get",
        "/characters/{character_id}/skills",
        "-p",
        `character_id=${CHARACTER}`,
        "--as",
        `${CHARACTER}`,
        ...base,
      ],
      { configDir },
    );
    assert.equal(run.code, 3, run.stderr);
    assert.equal(lines(run.stderr).length, 1, run.stderr);
    assert.match(run.stderr, /esi-skills\.read_skills\.v1/);
    assert.equal(esi.requests.length, sent);
  });

  await t.step(
    "an expired login (the grant revoked) is one line asking to log in again",
    async () => {
      sso.revokeCharacter(CHARACTER);
      const run = await runCli(
        ["get", assets, "-p", `character_id=${CHARACTER}`, "--as", "Some Bloke", ...base],
        { configDir },
      );
      assert.equal(run.code, 3, run.stderr);
      assert.equal(lines(run.stderr).length, 1, run.stderr);
      assert.match(run.stderr, /^esikit: .*2112625428.*log in again/);
    },
  );

  await t.step("logout forgets the character; whoami then says nobody", async () => {
    const out = await runCli(["logout"], { configDir });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stderr, /^esikit: logged out Some Bloke \(2112625428\)$/m);
    const who = await runCli(["whoami"], { configDir });
    assert.equal(who.code, 3);
    assert.match(who.stderr, /^esikit: Cannot tell who is logged in: nobody; run esikit login$/m);
  });

  await t.step("get --as without a login", async () => {
    const run = await runCli([
      "get",
      assets,
      "-p",
      `character_id=${CHARACTER}`,
      "--as",
      "x",
      ...base,
    ], {
      configDir,
    });
    assert.equal(run.code, 3);
    assert.match(
      run.stderr,
      /^esikit: Cannot find a logged-in character: run esikit login first$/m,
    );
  });
  await Deno.remove(configDir, { recursive: true });
});
