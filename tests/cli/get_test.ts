import assert from "node:assert/strict";
import { join } from "node:path";
import { EsiSimulator } from "../../src/testing/mod.ts";
import { lines, runCli } from "../support/cli.ts";
import { VERSION } from "../../mod.ts";
import { serve } from "../../src/testing/deno.ts";

const orders = "/markets/{region_id}/orders";
const region = ["-p", "region_id=10000002", "-p", "order_type=all"];

async function withSim(test: (sim: EsiSimulator) => Promise<void>): Promise<void> {
  await using sim = new EsiSimulator({ data: { marketPages: 3, ordersPerPage: 4 } });
  await serve(sim);
  await test(sim);
}

Deno.test("get: one call in every format, data alone on stdout", () =>
  withSim(async (sim) => {
    const base = ["--base-url", sim.url];
    const json = await runCli(["get", "/status", ...base]);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stderr, "");
    assert.equal(typeof JSON.parse(json.stdout).players, "number");

    const jsonl = await runCli([
      "get",
      "/markets/10000002/orders",
      "-p",
      "order_type=all",
      ...base,
      "--format",
      "jsonl",
    ]);
    assert.equal(jsonl.code, 0, jsonl.stderr);
    const records = lines(jsonl.stdout).map((l) => JSON.parse(l));
    assert.equal(records.length, 4, "page 1 only without --all");
    assert.ok(records.every((r) => typeof r.order_id === "number"));

    const csv = await runCli(["get", orders, ...region, ...base, "-f", "csv"]);
    assert.equal(csv.code, 0, csv.stderr);
    const [header, ...rows] = lines(csv.stdout);
    const id = header.split(",").indexOf("order_id");
    assert.ok(id >= 0, header);
    assert.equal(rows.length, 4);
    assert.deepEqual(rows.map((r) => Number(r.split(",")[id])), records.map((r) => r.order_id));

    const table = await runCli(["get", "/status", ...base, "--format", "table"]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /│ players\s*│/);
    assert.match(table.stdout, /│ \d+\s*│/);
  }));

Deno.test("get --all: every page, plain progress lines on stderr when it is not a terminal", () =>
  withSim(async (sim) => {
    const run = await runCli([
      "get",
      orders,
      ...region,
      "--all",
      "-f",
      "jsonl",
      "--base-url",
      sim.url,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(lines(run.stdout).length, 12);
    const progress = lines(run.stderr);
    assert.ok(progress.length >= 1);
    assert.ok(progress.every((l) => l.startsWith("esikit: ")), run.stderr);
    assert.match(
      progress.at(-1)!,
      /^esikit: 3\/3 pages \| 12 records \| .* MiB .*\| done \| \d+ errors left \| market-order \d+ tokens/,
    );
    assert.ok(!run.stderr.includes("\x1b["), "no escape codes when not a terminal");
  }));

Deno.test("get --all --out: the file appears whole on success; a failed page leaves none", () =>
  withSim(async (sim) => {
    const dir = await Deno.makeTempDir({ prefix: "esikit-out-" });
    const out = join(dir, "orders.json");
    const ok = await runCli([
      "get",
      orders,
      ...region,
      "--all",
      "--out",
      out,
      "--base-url",
      sim.url,
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, "");
    assert.equal(JSON.parse(await Deno.readTextFile(out)).length, 12);

    sim.fault(`GET ${orders}`, { page: 3, statuses: [500], times: Infinity });
    const failedOut = join(dir, "failed.json");
    const failed = await runCli([
      "get",
      orders,
      ...region,
      "--all",
      "--out",
      failedOut,
      "--base-url",
      sim.url,
    ]);
    assert.equal(failed.code, 1);
    assert.equal(failed.stdout, "");
    const errors = lines(failed.stderr).filter((l) => !/ pages \|/.test(l));
    assert.equal(errors.length, 1, failed.stderr);
    assert.match(
      errors[0],
      /^esikit: Cannot fetch page 3 of "\/markets\/\{region_id\}\/orders": .*500/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["orders.json"]);
    await Deno.remove(dir, { recursive: true });
  }));

Deno.test("bad input: one clear line each, exit 2, nothing sent", async (t) => {
  await using sim = new EsiSimulator();
  await serve(sim);
  const base = ["--base-url", sim.url];
  const oneLine = async (args: string[], pattern: RegExp, env?: Record<string, undefined>) => {
    const run = await runCli(args, { env });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, "");
    assert.equal(lines(run.stderr).length, 1, run.stderr);
    assert.match(run.stderr, pattern);
  };
  await t.step("an unknown route names the closest ones", () =>
    oneLine(
      ["get", "/markets/1000002/order", ...base],
      /^esikit: Cannot GET "\/markets\/1000002\/order": ESI has no such route; did you mean "\/markets\/\{region_id\}\/orders"/,
    ));
  await t.step("a bad parameter gets the module's own message", () =>
    oneLine(
      ["get", orders, "-p", "region_id=abc", "-p", "order_type=all", ...base],
      /^esikit: Cannot call "GET \/markets\/\{region_id\}\/orders": path parameter "region_id" must be an integer, got "abc"/,
    ));
  await t.step(
    "a query value outside the spec's enum",
    () =>
      oneLine(
        ["get", orders, "-p", "region_id=1", "-p", "order_type=every", ...base],
        /order_type/,
      ),
  );
  await t.step("no user agent", () =>
    oneLine(
      ["get", "/status", ...base],
      /^esikit: Cannot call ESI without a user agent: pass --user-agent .* or set ESIKIT_USER_AGENT/,
      { ESIKIT_USER_AGENT: undefined },
    ));
  await t.step(
    "an unknown option (commander's line)",
    () => oneLine(["get", "/status", "--frobnicate"], /^esikit: unknown option '--frobnicate'/),
  );
  assert.equal(sim.requests.length, 0);
});

Deno.test("--compat-date and --language reach ESI; a half gateway key is refused", () =>
  withSim(async (sim) => {
    const run = await runCli([
      "get",
      "/status",
      "--compat-date",
      "2025-08-26",
      "--language",
      "de",
      "--base-url",
      sim.url,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const sent = sim.requests.at(-1)!.headers;
    assert.equal(sent["x-compatibility-date"], "2025-08-26");
    assert.equal(sent["accept-language"], "de");

    const half = await runCli(["get", "/status", "--base-url", sim.url], {
      env: { ESIKIT_API_KEY: "key-1" },
    });
    assert.equal(half.code, 2);
    assert.deepEqual(lines(half.stderr), [
      "esikit: Cannot create the client: apiKey and apiSecret go together; give both or neither",
    ]);
  }));

Deno.test("--help on every command shows examples and exit codes; --version", async () => {
  for (const command of ["get", "many", "login", "whoami", "logout", "routes", "status"]) {
    const run = await runCli([command, "--help"]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /Examples:\n {2}\$ esikit /, command);
    assert.match(run.stdout, /Exit codes:/, command);
  }
  const version = await runCli(["--version"]);
  assert.equal(version.stdout.trim(), VERSION);
});

Deno.test("routes lists operations from the spec; status shows ESI's and the limits", () =>
  withSim(async (sim) => {
    const routes = await runCli(["routes", "orders", "--format", "json"]);
    assert.equal(routes.code, 0, routes.stderr);
    const found = JSON.parse(routes.stdout) as {
      path: string;
      group: string;
      pagination: string;
    }[];
    const market = found.find((r) => r.path === orders)!;
    assert.match(market.group, /^market-order \(\d+\/\d+m\)$/);
    assert.equal(market.pagination, "x-pages");
    assert.ok(found.every((r) => r.path.includes("orders")));

    const status = await runCli(["status", "--base-url", sim.url]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^players +\d+$/m);
    assert.match(status.stdout, /^error budget +100 left, window resets in \d+ s$/m);
    assert.match(status.stdout, /^rate limit +group status: \d+ tokens left of 600\/15m$/m);
  }));
