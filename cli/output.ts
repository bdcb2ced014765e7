/**
 * Where data goes: stdout, or `--out FILE` through a temporary file beside
 * it, renamed on success, so an interrupted or failed pull never leaves a
 * file that looks complete.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";

/**
 * Writes text to stdout or a file.
 *
 * @param text The text.
 * @param out The file; stdout when undefined.
 */
export async function writeOutput(text: string, out: string | undefined): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  if (out === undefined) {
    try {
      await writeAll(Deno.stdout, bytes);
    } catch (error) {
      // The reader left (`esikit … | head`): what it wanted, it got.
      if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
    }
    return;
  }
  const temp = join(dirname(out), `.${basename(out)}.${crypto.randomUUID().slice(0, 8)}.part`);
  try {
    await Deno.writeFile(temp, bytes);
    await Deno.rename(temp, out);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw new Error(`Cannot write "${out}": ${error instanceof Error ? error.message : error}`);
  }
}

async function writeAll(w: { write(p: Uint8Array): Promise<number> }, bytes: Uint8Array) {
  for (let done = 0; done < bytes.length;) done += await w.write(bytes.subarray(done));
}
