import assert from "node:assert/strict";
import { type SettingName, SETTINGS } from "../../worker/config.ts";

/** The rows of worker/README's settings table: names, default text, and whether a secret. */
async function readmeRows(): Promise<{ name: string; shown: string; secret: boolean }[]> {
  const readme = await Deno.readTextFile(new URL("../../worker/README.md", import.meta.url));
  const section = readme.split("\n## Settings\n")[1].split("\n## ")[0];
  const rows: { name: string; shown: string; secret: boolean }[] = [];
  for (const line of section.split("\n")) {
    if (!line.startsWith("| `")) continue;
    const [setting, shown, what] = line.slice(1, -1).split(" | ").map((cell) => cell.trim());
    if (setting.includes("(Deno)")) continue; // the Deno entry's own, not the gateway's
    const names = [...setting.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]);
    const defaults = shown.split(", ");
    names.forEach((name, i) =>
      rows.push({
        name,
        shown: defaults.length === names.length ? defaults[i] : shown,
        secret: what.includes("(a secret)"),
      })
    );
  }
  return rows;
}

Deno.test("config: worker/README's settings table matches the settings rows", async () => {
  const rows = await readmeRows();
  const expected = (Object.keys(SETTINGS) as SettingName[]).map((name) => {
    const setting: { fallback?: string; unset?: string; secret?: boolean } = SETTINGS[name];
    return {
      name,
      shown: setting.fallback !== undefined ? `\`${setting.fallback}\`` : setting.unset!,
      secret: setting.secret ?? false,
    };
  });
  assert.deepEqual(rows, expected);
});
