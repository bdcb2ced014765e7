/**
 * The progress bar as a person sees it: the CLI runs in a real terminal
 * (tmux), typed in with `send-keys`, and the screen is read back with
 * `capture-pane` while the pull runs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { EsiSimulator } from "../../src/testing/mod.ts";
import { CLI, CLI_PERMISSIONS } from "../support/cli.ts";
import { serve } from "../../src/testing/deno.ts";

const orders = "/markets/{region_id}/orders";

function tmux(socket: string, ...args: string[]): string {
  const out = new Deno.Command("tmux", { args: ["-L", socket, ...args], stderr: "piped" })
    .outputSync();
  if (!out.success) {
    throw new Error(`tmux ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** Reads the screen until `seen` holds (bounded); returns that screen. */
async function screenWhen(socket: string, seen: (screen: string) => boolean, what: string) {
  let screen = "";
  for (let i = 0; i < 300; i++) {
    screen = tmux(socket, "capture-pane", "-p", "-t", "esikit");
    if (seen(screen)) return screen;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`The screen never showed ${what}:\n${screen}`);
}

Deno.test("in a terminal the bar advances, then completes, and stays on screen", async () => {
  await using sim = new EsiSimulator({ data: { marketPages: 10, ordersPerPage: 20 } });
  await serve(sim);
  // Pages 6 to 10 are slow: the bar stops at 5/10 long enough to be seen.
  sim.fault(`GET ${orders}`, { page: [6, 7, 8, 9, 10], latencyMs: 1500, times: Infinity });
  const dir = await Deno.makeTempDir({ prefix: "esikit-tty-" });
  const out = join(dir, "orders.json");
  const socket = `esikit-test-${crypto.randomUUID().slice(0, 8)}`;
  tmux(
    socket,
    "new-session",
    "-d",
    "-s",
    "esikit",
    "-x",
    "200",
    "-y",
    "12",
    "bash --norc --noprofile",
  );
  try {
    const command = [
      "env -u NO_COLOR ESIKIT_USER_AGENT='esikit-tty-test/1.0'",
      `'${Deno.execPath()}' run --quiet ${CLI_PERMISSIONS.join(" ")} '${CLI}'`,
      `get '${orders}' -p region_id=10000002 -p order_type=all --all`,
      `--base-url ${sim.url} --out '${out}'; echo "exit=$?"`,
    ].join(" ");
    tmux(socket, "send-keys", "-t", "esikit", command, "Enter");

    const partial = await screenWhen(socket, (s) => / 5\/10 pages \|/.test(s), "5/10 pages");
    assert.match(partial, /[█░]{24} 5\/10 pages \| 100 records \| [\d.]+ MiB \| .*ETA [\d.]+ s/);
    assert.doesNotMatch(partial, /^exit=/m);

    const done = await screenWhen(socket, (s) => /^exit=\d+/m.test(s), "the end");
    assert.match(done, /█{24} 10\/10 pages \| 200 records \| .* \| done \| \d+ errors left/);
    assert.match(done, /^exit=0$/m);
    // One bar, redrawn in place: never a second line of it.
    assert.equal(done.match(/ pages \|/g)?.length, 1, done);
    assert.equal(JSON.parse(await Deno.readTextFile(out)).length, 200);
  } finally {
    tmux(socket, "kill-server");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("on a terminal the error line is coloured, unless NO_COLOR is set", async () => {
  const socket = `esikit-test-${crypto.randomUUID().slice(0, 8)}`;
  tmux(
    socket,
    "new-session",
    "-d",
    "-s",
    "esikit",
    "-x",
    "200",
    "-y",
    "12",
    "bash --norc --noprofile",
  );
  try {
    const run = `'${Deno.execPath()}' run --quiet ${
      CLI_PERMISSIONS.join(" ")
    } '${CLI}' get /nowhere`;
    tmux(
      socket,
      "send-keys",
      "-t",
      "esikit",
      `env -u NO_COLOR ESIKIT_USER_AGENT=t ${run}`,
      "Enter",
    );
    await screenWhen(socket, (s) => /^esikit: Cannot GET/m.test(s), "the first error");
    tmux(socket, "send-keys", "-t", "esikit", `NO_COLOR=1 ESIKIT_USER_AGENT=t ${run}`, "Enter");
    await screenWhen(socket, (s) => s.match(/^esikit: Cannot GET/gm)?.length === 2, "both errors");
    const screen = tmux(socket, "capture-pane", "-p", "-e", "-t", "esikit");
    const errors = screen.split("\n").filter((l) => l.includes("Cannot GET"));
    const red = "\x1b[31mesikit:\x1b[39m";
    assert.ok(errors[0].startsWith(`${red} Cannot GET "/nowhere"`), JSON.stringify(errors[0]));
    assert.match(errors[1], /^esikit: Cannot GET "\/nowhere"/);
  } finally {
    tmux(socket, "kill-server");
  }
});
