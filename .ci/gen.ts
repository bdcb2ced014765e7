/**
 * `deno task gen [path-or-url]`: reads ESI's OpenAPI 3.0 spec (by default
 * `../shared/esi/openapi-3.0.json`; CCP publishes it at
 * `https://esi.evetech.net/meta/openapi-3.0.json?compatibility_date=…`) and
 * writes the generated files into `src/spec/`. The file I/O lives here so that
 * `src/` stays runtime-agnostic.
 */
import { generateSpecFiles } from "../src/spec/generate.ts";

const root = new URL("../", import.meta.url);
const source = Deno.args[0] ?? new URL("../shared/esi/openapi-3.0.json", root).pathname;

async function loadSpec(source: string): Promise<unknown> {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source, { headers: { accept: "application/json" } });
    if (!res.ok) throw new Error(`Cannot fetch the spec from "${source}": HTTP ${res.status}`);
    return await res.json();
  }
  return JSON.parse(await Deno.readTextFile(source));
}

const started = performance.now();
const { files, operations, date } = await generateSpecFiles(await loadSpec(source));
for (const [name, text] of Object.entries(files)) {
  await Deno.writeTextFile(new URL(`src/spec/${name}`, root), text);
}
const ms = Math.round(performance.now() - started);
console.log(`Generated ${operations} operations (compatibility date ${date}) in ${ms} ms`);
