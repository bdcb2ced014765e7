/**
 * The public surface: every entry point in `deno.json` `exports` lists its
 * exported names in `tests/surface.snapshot.json`, so a new export is a
 * visible diff in review, and the root stays small enough to read.
 *
 * After a deliberate change, rewrite the snapshot with
 * `ESIKIT_UPDATE_SURFACE=1 deno task test tests/surface_test.ts` and commit it.
 *
 * @module
 */

import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);
const snapshotUrl = new URL("surface.snapshot.json", import.meta.url);
/** The most names the root may export: past this, a reader cannot hold it. */
const MAX_ROOT_EXPORTS = 100;

/** What one entry point exports: values (seen at runtime) and type-only names. */
interface EntrySurface {
  values: string[];
  types: string[];
}

/** The entry points, as `deno.json` names them. */
async function entryPoints(): Promise<Record<string, string>> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  return config.exports;
}

/** Runs `deno doc` on one entry point, as a user's tooling (and JSR) would. */
async function denoDoc(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["doc", ...args],
    cwd: root.pathname,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

/** Every name one entry point exports, types included. */
async function surfaceOf(path: string): Promise<EntrySurface> {
  const doc = await denoDoc(["--json", path]);
  assert.equal(doc.code, 0, doc.stderr);
  const nodes: Record<string, { symbols: { name: string }[] }> = JSON.parse(doc.stdout).nodes;
  const documented = new Set(Object.values(nodes).flatMap((n) => n.symbols.map((s) => s.name)));
  const values = Object.keys(await import(new URL(path, root).href)).sort();
  for (const name of values) {
    assert.ok(documented.has(name), `${path} exports ${JSON.stringify(name)} deno doc misses`);
  }
  const types = [...documented].filter((name) => !values.includes(name)).sort();
  return { values, types };
}

Deno.test("the public surface", async (t) => {
  const entries = await entryPoints();
  const surface: Record<string, EntrySurface> = {};
  for (const [name, path] of Object.entries(entries)) surface[name] = await surfaceOf(path);

  if (Deno.env.get("ESIKIT_UPDATE_SURFACE") === "1") {
    await Deno.writeTextFile(snapshotUrl, JSON.stringify(surface, null, 2) + "\n");
  }

  await t.step("every entry point exports exactly the names in the snapshot", async () => {
    const snapshot = JSON.parse(await Deno.readTextFile(snapshotUrl));
    assert.deepEqual(
      surface,
      snapshot,
      "the exports changed: review the diff, then rerun with ESIKIT_UPDATE_SURFACE=1",
    );
  });

  // Linted one at a time: together, one entry point's export hides another's private type.
  for (const [name, path] of Object.entries(entries)) {
    await t.step(`deno doc --lint passes on ${name} alone`, async () => {
      const lint = await denoDoc(["--lint", path]);
      assert.equal(lint.code, 0, lint.stderr);
    });
  }

  await t.step(`the root exports at most ${MAX_ROOT_EXPORTS} names`, () => {
    const count = surface["."].values.length + surface["."].types.length;
    assert.ok(count <= MAX_ROOT_EXPORTS, `mod.ts exports ${count} names`);
  });
});
