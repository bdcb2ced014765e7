import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);

// Runs `deno test` on a path with no permissions at all: no network, no files, no env.
async function denoTest(path: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["test", "--no-prompt", path],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
  return text;
}

Deno.test("the offline-testing example passes with no permissions at all", async () => {
  assert.match(await denoTest("examples/offline/"), /ok \| 3 passed \| 0 failed/);
});

Deno.test("the README's offline-testing code runs and passes", async () => {
  const readme = await Deno.readTextFile(new URL("README.md", root));
  const section = readme.slice(readme.indexOf("## Testing your own app offline"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(code, "the section has a ts block");
  // Inside the project, so that "@esikit/esi" resolves as it does for the README's readers.
  const file = new URL(`.readme_offline_${crypto.randomUUID()}.ts`, root);
  await Deno.writeTextFile(file, code);
  try {
    assert.match(await denoTest(file.pathname), /ok \| 1 passed \| 0 failed/);
  } finally {
    await Deno.remove(file);
  }
});
