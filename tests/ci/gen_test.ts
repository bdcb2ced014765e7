/**
 * `deno task gen`: the committed spec (`spec/openapi.json`) is the default
 * source, `--from <url|path>` refreshes it, and a user's mistake is one line.
 *
 * @module
 */

import assert from "node:assert/strict";
import { main } from "../../.ci/gen.ts";

const gen = new URL("../../.ci/gen.ts", import.meta.url).pathname;
const committed = new URL("../../spec/openapi.json", import.meta.url);

/** Runs the generator's command line as a contributor would. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    // As `deno task gen` runs it.
    args: ["run", "-A", gen, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

/** A throwaway project root with an empty `src/spec/` and, maybe, a spec. */
async function tempRoot(spec?: string): Promise<URL> {
  const dir = await Deno.makeTempDir({ prefix: "esikit-gen-" });
  await Deno.mkdir(`${dir}/src/spec`, { recursive: true });
  await Deno.mkdir(`${dir}/spec`);
  if (spec !== undefined) await Deno.writeTextFile(`${dir}/spec/openapi.json`, spec);
  return new URL(`file://${dir}/`);
}

/** Runs `main` against a temporary root, collecting what it prints. */
async function mainIn(root: URL, args: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const print = (line: string) => out.push(line);
  const code = await main(args, { root, log: print, error: print });
  return { code, out };
}

Deno.test("gen reads the committed spec/openapi.json by default", async (t) => {
  const spec = await Deno.readTextFile(committed);
  const root = await tempRoot(spec);
  try {
    await t.step("the generated files are those committed", async () => {
      const { code, out } = await mainIn(root, []);
      assert.equal(code, 0, out.join("\n"));
      assert.match(out.at(-1)!, /^Generated 219 operations \(compatibility date 2026-07-17\)/);
      for (const name of ["operations.gen.ts", "scopes.gen.ts", "paths.gen.ts"]) {
        assert.equal(
          await Deno.readTextFile(new URL(`src/spec/${name}`, root)),
          await Deno.readTextFile(new URL(`../../src/spec/${name}`, import.meta.url)),
          name,
        );
      }
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("gen --from refreshes spec/openapi.json, from a path or a URL", async (t) => {
  const spec = await Deno.readTextFile(committed);
  const root = await tempRoot("{}");
  try {
    await t.step("a path is read and copied as it is, then generated from", async () => {
      const { code, out } = await mainIn(root, ["--from", committed.pathname]);
      assert.equal(code, 0, out.join("\n"));
      assert.equal(await Deno.readTextFile(new URL("spec/openapi.json", root)), spec);
      assert.ok((await Deno.stat(new URL("src/spec/operations.gen.ts", root))).isFile);
    });
    await t.step("a URL is fetched", async () => {
      await Deno.writeTextFile(new URL("spec/openapi.json", root), "{}");
      await using server = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen() {} },
        () => new Response(spec, { headers: { "content-type": "application/json" } }),
      );
      const url = `http://127.0.0.1:${server.addr.port}/meta/openapi-3.0.json`;
      const { code, out } = await mainIn(root, [`--from=${url}`]);
      assert.equal(code, 0, out.join("\n"));
      assert.equal(await Deno.readTextFile(new URL("spec/openapi.json", root)), spec);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("gen refuses a bad spec in one line, and keeps the committed copy", async (t) => {
  const root = await tempRoot("{}");
  try {
    await t.step("a missing default spec names the file and how to fetch it", async () => {
      await Deno.remove(new URL("spec/openapi.json", root));
      const { code, out } = await mainIn(root, []);
      assert.equal(code, 1);
      assert.equal(out.length, 1);
      assert.match(out[0], /^Cannot read the spec ".*spec\/openapi\.json": .*--from/);
    });
    await t.step("a file that is not JSON is refused and not copied", async () => {
      const bad = new URL("bad.json", root);
      await Deno.writeTextFile(bad, "<html>");
      await Deno.writeTextFile(new URL("spec/openapi.json", root), "{}");
      const { code, out } = await mainIn(root, ["--from", bad.pathname]);
      assert.equal(code, 1);
      assert.equal(out.length, 1);
      assert.match(out[0], /^Cannot parse the spec ".*bad\.json": /);
      assert.equal(await Deno.readTextFile(new URL("spec/openapi.json", root)), "{}");
    });
    await t.step("JSON that is not an OpenAPI 3 spec is refused", async () => {
      const { code, out } = await mainIn(root, [
        "--from",
        new URL("spec/openapi.json", root).pathname,
      ]);
      assert.equal(code, 1);
      assert.deepEqual(out, [
        `Cannot read the spec "${new URL("spec/openapi.json", root).pathname}": ` +
        `it is not an OpenAPI 3 document (no "openapi" version or "paths")`,
      ]);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the gen command line prints one line and no stack trace on a mistake", async (t) => {
  await t.step("a missing file", async () => {
    const { code, stdout, stderr } = await run(["--from", "/nonexistent/openapi.json"]);
    assert.equal(code, 1);
    assert.equal(stdout, "");
    assert.equal(
      stderr,
      'Cannot read the spec "/nonexistent/openapi.json": no such file\n',
    );
  });
  await t.step("an unknown option", async () => {
    const { code, stderr } = await run(["--form", "x"]);
    assert.equal(code, 1);
    assert.equal(
      stderr,
      'Cannot run gen: unknown option "--form" (usage: deno task gen [--from <url|path>])\n',
    );
  });
});
