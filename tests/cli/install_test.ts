import assert from "node:assert/strict";
import { join } from "node:path";
import { VERSION } from "../../mod.ts";
import { CLI, CLI_PERMISSIONS } from "../support/cli.ts";

Deno.test("deno install makes an esikit command that runs", async () => {
  const root = await Deno.makeTempDir({ prefix: "esikit-install-" });
  try {
    const config = join(CLI, "..", "..", "deno.json");
    const install = await new Deno.Command(Deno.execPath(), {
      args: [
        "install",
        "-g",
        "--root",
        root,
        "-n",
        "esikit",
        "--config",
        config,
        ...CLI_PERMISSIONS,
        CLI,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(install.success, new TextDecoder().decode(install.stderr));
    const bin = join(root, "bin", Deno.build.os === "windows" ? "esikit.cmd" : "esikit");
    const run = await new Deno.Command(bin, { args: ["--version"], stdout: "piped" }).output();
    assert.equal(run.code, 0);
    assert.equal(new TextDecoder().decode(run.stdout).trim(), VERSION);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
