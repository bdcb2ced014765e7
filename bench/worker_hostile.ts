/**
 * The gateway under hostile callers, a stalled store and a 300-page
 * `?all=true` (not a test; prints a table with each bar and exits 1 when one
 * is missed). The gateway's Deno entry runs in a child process on 127.0.0.1,
 * in front of the ESI and SSO simulators served from this process; every part
 * is bounded in count and time, loopback only.
 *
 * - flood: one caller (address 203.0.113.7, through `X-Forwarded-For` with
 *   `TRUST_PROXY=1`, as behind a proxy) floods unknown type ids (ESI 404s),
 *   forged bearer tokens (an RSA verification each) and bad signatures of the
 *   real API key, while an API-key caller (`EsiClient({ apiKey, apiSecret })`)
 *   calls ten times a second, hits and misses: its success rate must stay ≥ 99%.
 * - stalled store: Upstash (the emulator in front of a real `redis-server`)
 *   holds every command; each route is asked three times at once and every
 *   answer must come within `REQUEST_DEADLINE_MS` (max latency per route).
 * - all pages: `?all=true` over 300 market pages of 1,000 orders (~70 MB),
 *   `MAX_ALL_PAGES=300`, read by a client while the gateway's RSS is sampled
 *   from /proc every 20 ms: it must grow < 100 MiB. Then the same again, its
 *   pages from the cache: the growth over both, for information.
 *
 *   deno run -A bench/worker_hostile.ts            # all three
 *   deno run -A bench/worker_hostile.ts flood      # one of flood, stall, pages
 *
 * @module
 */
import { EsiClient } from "../src/client/client.ts";
import { signRequest } from "../src/signing/sign.ts";
import { EsiSimError, EsiSimulator, SsoSimulator } from "../src/testing/mod.ts";
import { serve } from "../src/testing/deno.ts";
import { startRedisServer } from "../tests/support/redis_server.ts";
import { UpstashEmulator } from "../tests/support/upstash_emulator.ts";
import {
  freePort,
  type GatewayProcess,
  rssBytes,
  startGatewayProcess,
} from "./support/gateway_process.ts";

const CLIENT_ID = "esikit-bench";
const CHARACTER_ID = 2112625428;
const SCOPE = "esi-skills.read_skills.v1";
const SECRET = "bench-secret-bench-secret-bench-secret-0123";
const FLOOD_MS = 10_000;
const FLOOD_MAX = 6_000;
const FLOOD_WORKERS = 8;
const DEADLINE_MS = 10_000;
const MiB = 1024 * 1024;

interface Row {
  scenario: string;
  measure: string;
  value: string;
  bar: string;
  pass: boolean;
}
const rows: Row[] = [];

/** The simulators, and the gateway's settings that point at them. */
async function upstreams(callback: string, marketPages = 3) {
  const sso = await serve(
    await SsoSimulator.create({ clients: [{ clientId: CLIENT_ID, redirectUris: [callback] }] }),
  );
  const esi = new EsiSimulator({ verifyToken: sso.verifyToken, data: { marketPages } });
  // Type ids from 10^9 are unknown to ESI: a 404, as ESI answers a bad id.
  esi.route("GET /universe/types/{type_id}", {
    body: (ctx) => {
      const id = Number(ctx.params.type_id);
      if (id >= 1e9) throw new EsiSimError(404, "Type not found");
      return { type_id: id, name: `Type ${id}`, published: true, group_id: 18 };
    },
  });
  await serve(esi);
  const env = {
    ESI_BASE_URL: esi.url,
    EVE_CLIENT_ID: CLIENT_ID,
    EVE_CALLBACK_URL: callback,
    EVE_SSO_METADATA_URL: sso.metadataUrl,
    API_KEYS: JSON.stringify({ app: { secret: SECRET } }),
    TRUST_PROXY: "1",
  };
  const close = async () => {
    await esi.close();
    await sso.close();
  };
  return { sso, esi, env, close };
}

/** A bearer token with a forged signature: the gateway must verify it to refuse it. */
async function forgedToken(sso: SsoSimulator): Promise<string> {
  const token = await sso.mintAccessToken({ characterId: CHARACTER_ID, clientId: CLIENT_ID });
  const [head, body, sig] = token.split(".");
  return `${head}.${body}.${sig[0] === "A" ? "B" : "A"}${sig.slice(1)}`;
}

async function drain(res: Response): Promise<number> {
  await res.body?.cancel();
  return res.status;
}

function count(tally: Map<string, number>, key: string): void {
  tally.set(key, (tally.get(key) ?? 0) + 1);
}

function show(tally: Map<string, number>): string {
  return [...tally].sort().map(([k, n]) => `${k}×${n}`).join(" ");
}

async function flood(): Promise<void> {
  const port = freePort();
  const up = await upstreams(`http://127.0.0.1:${port}/auth/callback`);
  const gw = await startGatewayProcess(port, up.env);
  try {
    const forged = await forgedToken(up.sso);
    const hostile = { "X-Forwarded-For": "203.0.113.7" };
    const flooded = new Map<string, number>();
    const end = Date.now() + FLOOD_MS;
    let sent = 0;
    const attack = async (): Promise<void> => {
      while (Date.now() < end && sent < FLOOD_MAX) {
        const n = sent++;
        const kind = ["unknown-id", "bad-bearer", "bad-signature"][n % 3];
        let request: Request;
        if (kind === "unknown-id") {
          request = new Request(`${gw.url}/esi/universe/types/${1e9 + n}`, { headers: hostile });
        } else if (kind === "bad-bearer") {
          request = new Request(`${gw.url}/esi/characters/${CHARACTER_ID}/skills`, {
            headers: { ...hostile, Authorization: `Bearer ${forged}` },
          });
        } else {
          request = await signRequest(new Request(`${gw.url}/esi/status`, { headers: hostile }), {
            apiKey: "app",
            apiSecret: "not-the-secret-not-the-secret-not-the-secret",
          });
        }
        count(flooded, `${kind}:${await drain(await fetch(request))}`);
      }
    };
    const client = new EsiClient({
      baseUrl: `${gw.url}/esi`,
      userAgent: "bench-caller/1.0",
      apiKey: "app",
      apiSecret: SECRET,
      retry: 0,
      cache: false,
    });
    const outcomes = new Map<string, number>();
    let ok = 0, calls = 0;
    const caller = async (): Promise<void> => {
      for (let i = 0; Date.now() < end; i++) {
        const next = Date.now() + 100;
        calls++;
        try {
          if (i % 3 === 0) await client.get("/status");
          else {
            // A miss each (ESI is asked), or the same market hit.
            const res = i % 3 === 1
              ? await client.requestUntyped("GET", "/universe/types/{type_id}", {
                path: { type_id: 100 + i },
              })
              : await client.requestUntyped("GET", "/markets/{region_id}/orders", {
                path: { region_id: 10000002 },
                query: { order_type: "all", type_id: 34 },
              });
            if (res.status !== 200) throw new Error(`status ${res.status}`);
          }
          ok++;
          count(outcomes, "ok");
        } catch (error) {
          count(outcomes, error instanceof Error ? error.message.slice(0, 60) : String(error));
        }
        await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
      }
    };
    await Promise.all([caller(), ...Array.from({ length: FLOOD_WORKERS }, attack)]);
    console.log(`flood: ${sent} hostile requests in ${FLOOD_MS / 1000} s: ${show(flooded)}`);
    console.log(`flood: the API-key caller: ${show(outcomes)}`);
    const rate = ok / calls;
    rows.push({
      scenario: "flood",
      measure: `API-key caller success, ${calls} calls beside ${sent} hostile`,
      value: `${(100 * rate).toFixed(1)}%`,
      bar: "≥ 99%",
      pass: rate >= 0.99,
    });
  } finally {
    await gw.stop();
    await up.close();
  }
}

/** The `name=value` of each cookie a response sets (not clears). */
function cookiesOf(res: Response): string {
  return res.headers.getSetCookie().filter((l) => !/max-age=0/i.test(l)).map((l) => l.split(";")[0])
    .join("; ");
}

/** Starts a login at the gateway and follows the SSO back: the callback URL and login cookie. */
async function startLogin(gw: GatewayProcess): Promise<{ callback: string; cookie: string }> {
  const res = await fetch(`${gw.url}/auth/login?scopes=${SCOPE}`, { redirect: "manual" });
  await res.body?.cancel();
  if (res.status !== 302) throw new Error(`Cannot start a login: status ${res.status}`);
  const back = await fetch(res.headers.get("location")!, { redirect: "manual" });
  await back.body?.cancel();
  return { callback: back.headers.get("location")!, cookie: cookiesOf(res) };
}

async function stall(): Promise<void> {
  const redis = await startRedisServer();
  const emulator = await UpstashEmulator.start({ redisPort: redis.port });
  const port = freePort();
  const up = await upstreams(`http://127.0.0.1:${port}/auth/callback`);
  const gw = await startGatewayProcess(port, {
    ...up.env,
    UPSTASH_REDIS_REST_URL: emulator.url,
    UPSTASH_REDIS_REST_TOKEN: emulator.token,
    SESSION_SECRET: "session-secret-session-secret-0123456789",
    TOKEN_ENCRYPTION_KEY: btoa(String.fromCharCode(...new Uint8Array(32).fill(7))),
    REQUEST_DEADLINE_MS: String(DEADLINE_MS),
  });
  try {
    const first = await startLogin(gw);
    const done = await fetch(first.callback, {
      redirect: "manual",
      headers: { Cookie: first.cookie },
    });
    await done.body?.cancel();
    const session = cookiesOf(done);
    if (done.status !== 302 || !session) throw new Error(`Cannot log in: status ${done.status}`);
    const pending = await startLogin(gw);
    const token = await up.sso.mintAccessToken({
      characterId: CHARACTER_ID,
      clientId: CLIENT_ID,
      scopes: [SCOPE],
    });
    await drain(await fetch(`${gw.url}/esi/status`)); // a hit from now on
    const skills = `${gw.url}/esi/characters/${CHARACTER_ID}/skills`;
    let type = 500;
    const routes: [string, () => Promise<Request>][] = [
      ["/healthz", () => Promise.resolve(new Request(`${gw.url}/healthz`))],
      ["/esi/status (hit)", () => Promise.resolve(new Request(`${gw.url}/esi/status`))],
      [
        "/esi/universe/types (miss)",
        () => Promise.resolve(new Request(`${gw.url}/esi/universe/types/${type++}`)),
      ],
      [
        "API key, signed",
        () =>
          signRequest(new Request(`${gw.url}/esi/universe/types/${type++}`), {
            apiKey: "app",
            apiSecret: SECRET,
          }),
      ],
      [
        "bearer token",
        () =>
          Promise.resolve(new Request(skills, { headers: { Authorization: `Bearer ${token}` } })),
      ],
      [
        "session cookie",
        () => Promise.resolve(new Request(skills, { headers: { Cookie: session } })),
      ],
      [
        "/auth/login",
        () => Promise.resolve(new Request(`${gw.url}/auth/login?scopes=${SCOPE}`)),
      ],
      [
        "/auth/callback",
        () =>
          Promise.resolve(new Request(pending.callback, { headers: { Cookie: pending.cookie } })),
      ],
      [
        "/auth/logout",
        () =>
          Promise.resolve(
            new Request(`${gw.url}/auth/logout`, { method: "POST", headers: { Cookie: session } }),
          ),
      ],
    ];
    emulator.mode = "stall";
    for (const [name, make] of routes) {
      const times = name === "/auth/callback" ? 1 : 3;
      const answers = await Promise.all(Array.from({ length: times }, async () => {
        const request = await make();
        const start = performance.now();
        try {
          const res = await fetch(request, {
            redirect: "manual",
            signal: AbortSignal.timeout(3 * DEADLINE_MS),
          });
          const status = await drain(res);
          return { status: String(status), ms: performance.now() - start };
        } catch {
          return { status: "no answer", ms: performance.now() - start };
        }
      }));
      const max = Math.max(...answers.map((a) => a.ms));
      rows.push({
        scenario: "stall",
        measure: `${name}: ${answers.map((a) => a.status).join(",")}`,
        value: `max ${(max / 1000).toFixed(2)} s`,
        bar: `≤ ${DEADLINE_MS / 1000} s`,
        pass: max <= DEADLINE_MS && answers.every((a) => a.status !== "no answer"),
      });
    }
    console.log(`stall: ${emulator.stalled} store calls held`);
  } finally {
    emulator.mode = "normal";
    await emulator.idle();
    await gw.stop();
    await emulator.close();
    await redis.stop();
    await up.close();
  }
}

/** Reads one `?all=true` answer whole: its status, size and whether it is one array. */
async function readAll(
  gw: GatewayProcess,
): Promise<{ status: number; bytes: number; whole: boolean }> {
  const res = await fetch(`${gw.url}/esi/markets/10000002/orders?order_type=all&all=true`, {
    signal: AbortSignal.timeout(180_000),
  });
  const decoder = new TextDecoder();
  let bytes = 0, head = "", tail = "";
  for await (const chunk of res.body!) {
    bytes += chunk.length;
    if (!head) head = decoder.decode(chunk.subarray(0, 1));
    tail = decoder.decode(chunk.subarray(-1));
  }
  return { status: res.status, bytes, whole: res.status === 200 && head === "[" && tail === "]" };
}

/**
 * `?all=true` over 300 pages while the gateway's RSS is sampled; a row. With
 * `again`, a second walk follows (its pages from the cache) and a second row
 * gives the growth over both, for information.
 */
async function walk(gw: GatewayProcess, store: string, again = false): Promise<void> {
  // Warm the gateway's code paths, so the baseline is the process at work.
  await drain(await fetch(`${gw.url}/esi/markets/10000002/orders?order_type=all&page=1`));
  const before = rssBytes(gw.pid);
  let peak = before;
  const sampler = setInterval(() => peak = Math.max(peak, rssBytes(gw.pid)), 20);
  const start = performance.now();
  let first: Awaited<ReturnType<typeof readAll>>;
  let firstPeak: number;
  let second: Awaited<ReturnType<typeof readAll>> | undefined;
  try {
    first = await readAll(gw);
    firstPeak = peak;
    if (again) second = await readAll(gw);
  } finally {
    clearInterval(sampler);
  }
  const s = (performance.now() - start) / 1000;
  await new Promise((r) => setTimeout(r, 2_000));
  const after = rssBytes(gw.pid);
  const growth = (firstPeak - before) / MiB;
  console.log(
    `pages (${store}): status ${first.status}, ${(first.bytes / MiB).toFixed(1)} MiB${
      second ? " twice" : ""
    } in ${s.toFixed(1)} s, RSS ${(before / MiB).toFixed(0)} → peak ${
      (firstPeak / MiB).toFixed(0)
    }${second ? ` (${(peak / MiB).toFixed(0)} after the second)` : ""} MiB, ${
      (after / MiB).toFixed(0)
    } MiB 2 s after`,
  );
  rows.push({
    scenario: "pages",
    measure: `?all=true, 300 pages, ${(first.bytes / MiB).toFixed(0)} MiB, cache in ${store}${
      first.whole ? "" : " (INCOMPLETE)"
    }`,
    value: `RSS +${growth.toFixed(0)} MiB${
      second ? "" : ` (+${((after - before) / MiB).toFixed(0)} after)`
    }`,
    bar: "< 100 MiB",
    pass: first.whole && growth < 100,
  });
  if (!second) return;
  rows.push({
    scenario: "pages",
    measure: `the same again, its pages from the cache (growth over both)${
      second.whole ? "" : " (INCOMPLETE)"
    }`,
    value: `RSS +${((peak - before) / MiB).toFixed(0)} MiB (+${
      ((after - before) / MiB).toFixed(0)
    } after)`,
    bar: "(for information)",
    pass: second.whole,
  });
}

async function pages(): Promise<void> {
  const port = freePort();
  const up = await upstreams(`http://127.0.0.1:${port}/auth/callback`, 300);
  const dir = await Deno.makeTempDir({ prefix: "esikit-bench-" });
  const redis = await startRedisServer();
  const emulator = await UpstashEmulator.start({ redisPort: redis.port });
  const env = { ...up.env, MAX_ALL_PAGES: "300" };
  try {
    const kv = { ...env, DENO_KV_PATH: `${dir}/kv.sqlite` };
    const upstash = {
      ...env,
      UPSTASH_REDIS_REST_URL: emulator.url,
      UPSTASH_REDIS_REST_TOKEN: emulator.token,
    };
    const cap = ["--v8-flags=--max-old-space-size=64"];
    const variants: [string, Record<string, string>, string[], boolean][] = [
      // As `deno task start` runs: Deno KV in a file, behind a memory tier.
      ["Deno KV (file)", kv, [], true],
      // The cache outside the process: what the stream itself costs.
      ["Upstash (redis-server)", upstash, [], true],
      // Whether the growth is live or garbage V8 has not collected yet.
      ["Deno KV (file), V8 old space capped at 64 MiB", kv, cap, false],
      ["Upstash, V8 old space capped at 64 MiB", upstash, cap, false],
    ];
    for (const [store, settings, flags, again] of variants) {
      const gw = await startGatewayProcess(port, settings, flags);
      try {
        await walk(gw, store, again);
      } finally {
        await gw.stop();
      }
    }
  } finally {
    await emulator.close();
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
    await up.close();
  }
}

const scenarios: Record<string, () => Promise<void>> = { flood, stall, pages };
const chosen = Deno.args.length ? Deno.args : Object.keys(scenarios);
for (const name of chosen) {
  if (!scenarios[name]) throw new Error(`Unknown scenario "${name}": flood, stall or pages`);
  await scenarios[name]();
}
console.log(`\n| scenario | measure | value | bar | result |\n|---|---|---|---|---|`);
for (const r of rows) {
  console.log(
    `| ${r.scenario} | ${r.measure} | ${r.value} | ${r.bar} | ${r.pass ? "pass" : "FAIL"} |`,
  );
}
if (rows.some((r) => !r.pass)) Deno.exit(1);
