import assert from "node:assert/strict";
import { join } from "node:path";
import { EsiSimulator } from "../../src/testing/mod.ts";
import { lines, runCli } from "../support/cli.ts";
import { serve } from "../../src/testing/deno.ts";

const route = "/characters/{character_id}";

Deno.test("many: ids from a file or stdin, results in input order, in every format", async (t) => {
  await using sim = new EsiSimulator();
  await serve(sim);
  sim.route(`GET ${route}`, {
    body: (ctx) => ({ name: `Pilot ${ctx.params.character_id}`, corporation_id: 1000001 }),
  });
  const base = ["--base-url", sim.url];
  const ids = [2112625428, 95465499, 90000001];

  await t.step("from a file, jsonl", async () => {
    const dir = await Deno.makeTempDir({ prefix: "esikit-many-" });
    const file = join(dir, "ids.txt");
    await Deno.writeTextFile(file, ids.join("\n") + "\n");
    const run = await runCli(["many", route, "--ids", file, ...base, "--concurrency", "2"]);
    assert.equal(run.code, 0, run.stderr);
    const rows = lines(run.stdout).map((l) => JSON.parse(l));
    assert.deepEqual(rows.map((r) => r.character_id), ids);
    assert.deepEqual(rows.map((r) => r.data.name), ids.map((id) => `Pilot ${id}`));
    assert.match(lines(run.stderr).at(-1)!, /^esikit: 3\/3 calls \| 3 records .*\| done/);
    await Deno.remove(dir, { recursive: true });
  });

  await t.step("from stdin, comma separated, json, csv and table", async () => {
    const json = await runCli(["many", route, "--ids", "-", ...base, "-f", "json"], {
      stdin: ids.join(","),
    });
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(
      JSON.parse(json.stdout).map((r: { character_id: number }) => r.character_id),
      ids,
    );
    const csv = await runCli(["many", route, "--ids", "-", ...base, "-f", "csv"], {
      stdin: ids.join(" "),
    });
    const [header, ...rows] = lines(csv.stdout);
    assert.match(header, /^character_id,/);
    assert.deepEqual(rows.map((r) => Number(r.split(",")[0])), ids);
    const table = await runCli(["many", route, "--ids", "-", ...base, "-f", "table"], {
      stdin: ids.join("\n"),
    });
    assert.match(table.stdout, /│ character_id │/);
    assert.equal(lines(table.stdout).filter((l) => /│ \d+ +│/.test(l)).length, 3);
  });

  await t.step(
    "a failed id is listed on its own line; the others are written; exit 4",
    async () => {
      sim.fault(`GET ${route}`, { statuses: [200, 404, 200] });
      const run = await runCli(["many", route, "--ids", "-", ...base, "--concurrency", "1"], {
        stdin: ids.join("\n"),
      });
      assert.equal(run.code, 4, run.stderr);
      assert.deepEqual(lines(run.stdout).map((l) => JSON.parse(l).character_id), [ids[0], ids[2]]);
      const failures = lines(run.stderr).filter((l) => !/ calls \|/.test(l));
      assert.equal(failures.length, 1, run.stderr);
      assert.match(failures[0], new RegExp(`^esikit: character_id ${ids[1]}: .*404`));
    },
  );

  await t.step("a route without exactly one open path parameter is refused", async () => {
    const run = await runCli(["many", "/status", "--ids", "-", ...base], { stdin: "1" });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^esikit: Cannot run many on "\/status": exactly one path parameter/);
  });
});
