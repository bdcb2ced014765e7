/**
 * Starts the gateway's Deno entry (`worker/deno.ts`) in a child process on
 * 127.0.0.1, as `deno task start` runs it, with the settings given (its log
 * lines are dropped), and waits until `/healthz` answers. The child's pid is
 * the gateway's own (no wrapper), for reading its RSS from /proc.
 */

/** A gateway in a child process. */
export interface GatewayProcess {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The gateway process's id. */
  pid: number;
  /** Stops it (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/** A free port on 127.0.0.1 (the entry needs one before it starts, for `EVE_CALLBACK_URL`). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Starts the gateway.
 *
 * @param port Where it listens (see {@link freePort}).
 * @param env Its settings, besides `PORT`, `HOST`, `DENO_KV_PATH` (`:memory:`) and a user agent.
 * @param denoArgs Flags for `deno run`, e.g. `--v8-flags=...`.
 * @returns The running gateway.
 */
export async function startGatewayProcess(
  port: number,
  env: Record<string, string>,
  denoArgs: string[] = [],
): Promise<GatewayProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...denoArgs, new URL("../../worker/deno.ts", import.meta.url).pathname],
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      DENO_KV_PATH: ":memory:",
      ESI_USER_AGENT: "esikit-bench/1.0 (bench@example.com)",
      ...env,
    },
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  child.status.then(() => exited = true);
  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => exited || child.kill("SIGKILL"), 5_000);
      await child.status;
      clearTimeout(timer);
    }
  };
  for (let i = 0; i < 200 && !exited; i++) {
    try {
      const res = await fetch(`${url}/healthz`);
      await res.body?.cancel();
      if (res.ok) return { url, pid: child.pid, stop };
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`Cannot start the gateway on ${url}: /healthz never answered`);
}

/** The resident set size of a process, in bytes (Linux: /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!kb) throw new Error(`Cannot read the RSS of process ${pid}: no VmRSS line`);
  return Number(kb[1]) * 1024;
}
