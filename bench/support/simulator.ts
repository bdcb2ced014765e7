/**
 * Starts the ESI simulator in a child process (see simulator_process.ts) and
 * returns its URL and a way to stop it.
 */
import type { EsiSimulatorOptions } from "../../src/testing/mod.ts";

export interface SimulatorProcess {
  url: string;
  stop(): Promise<void>;
}

export async function startSimulatorProcess(
  options: EsiSimulatorOptions = {},
): Promise<SimulatorProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./simulator_process.ts", import.meta.url).pathname,
      JSON.stringify(options),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("The simulator process ended before printing its URL");
    out += value;
  }
  const writer = child.stdin.getWriter();
  return {
    url: out.trim(),
    async stop() {
      await writer.close();
      await reader.cancel();
      await child.status;
    },
  };
}
