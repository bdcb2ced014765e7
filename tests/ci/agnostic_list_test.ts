/**
 * The list of runtime-agnostic tests (tests/support/agnostic.ts, run on
 * Node and Bun by .ci/runtimes.sh) is complete: a new test of the module that
 * uses no Deno API but what the shim provides is run there too, and a test
 * that starts using one leaves the list in the same change.
 *
 * @module
 */

import assert from "node:assert/strict";

const tests = new URL("../", import.meta.url);
// What tests/support/runtime_shim.ts provides, and Deno types (erased).
const PROVIDED = new Set(["test", "serve", "TestContext", "HttpServer", "NetAddr"]);

async function* testFiles(dir: URL, rel = ""): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = rel + entry.name;
    if (entry.isDirectory) yield* testFiles(new URL(`${entry.name}/`, dir), `${path}/`);
    else if (path.endsWith("_test.ts")) yield path;
  }
}

/** The Deno APIs a file uses, with those of the test files it imports (src/ keeps Deno to its adapters). */
async function denoApis(path: string, seen = new Set<string>()): Promise<Set<string>> {
  seen.add(path);
  const text = await Deno.readTextFile(new URL(path, tests));
  const apis = new Set([...text.matchAll(/\bDeno\.(\w+)/g)].map((m) => m[1]));
  for (const [, spec] of text.matchAll(/from "(\.[^"]+)"/g)) {
    const href = new URL(spec, new URL(path, tests)).href;
    const target = href.slice(tests.href.length);
    if (href.startsWith(tests.href) && !seen.has(target)) {
      for (const api of await denoApis(target, seen)) apis.add(api);
    }
  }
  return apis;
}

Deno.test("every module test that needs no Deno API beyond the shim runs on Node and Bun", async () => {
  const agnostic: string[] = [];
  for await (const path of testFiles(tests)) {
    // The gateway's and the tooling's tests are not the module's.
    if (/^(worker|ci|support)\//.test(path)) continue;
    const apis = await denoApis(path);
    if ([...apis].every((api) => PROVIDED.has(api))) agnostic.push(path);
  }
  const list = await Deno.readTextFile(new URL("support/agnostic.ts", tests));
  const listed = [...list.matchAll(/^import "\.\.\/(.+_test\.ts)";$/gm)].map((m) => m[1]);
  assert.ok(agnostic.length >= 30, `only ${agnostic.length} found: the scan is broken`);
  assert.deepEqual(listed.sort(), agnostic.sort());
});
