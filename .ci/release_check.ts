/**
 * `deno task release:check [--tag vX.Y.Z]` (after `deno task check`, which
 * ends with a publish dry run): deno.json's version, src/version.ts, the
 * CHANGELOG's latest release and the tag being published agree. The publish
 * workflow runs it with the pushed tag; locally, run it before tagging.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { VERSION } from "../src/version.ts";

/** What a release is checked against. */
export interface Release {
  /** deno.json's `version`. */
  version: string;
  /** src/version.ts's `VERSION` (sent in the User-Agent). */
  versionTs: string;
  /** CHANGELOG.md's text. */
  changelog: string;
  /** The git tag being published, if any. */
  tag?: string;
}

const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
// Keep a Changelog's release heading: "## [1.2.3] - 2026-12-03".
const HEADING = /^## \[([^\]]+)\](.*)$/gm;

/**
 * Lists what keeps a release from going out, one line each.
 *
 * @param release The version as each place states it, and the CHANGELOG.
 * @returns The problems; none when the release can go out.
 */
export function releaseProblems(release: Release): string[] {
  const { version, versionTs, changelog, tag } = release;
  const cannot = `Cannot release "${version}":`;
  if (!SEMVER.test(version)) {
    return [`${cannot} deno.json's version is not semver (MAJOR.MINOR.PATCH)`];
  }
  const problems: string[] = [];
  const headings = [...changelog.matchAll(HEADING)].map(([line, name, rest]) => ({
    line,
    name,
    rest,
  }));
  if (!headings.some((h) => h.name === "Unreleased")) {
    problems.push(`${cannot} CHANGELOG.md has no "## [Unreleased]" section (Keep a Changelog)`);
  }
  const latest = headings.find((h) => h.name !== "Unreleased");
  const move = `move the Unreleased entries under "## [${version}] - YYYY-MM-DD"`;
  if (!latest) {
    problems.push(`${cannot} CHANGELOG.md has no release section (${move})`);
  } else if (latest.name !== version) {
    problems.push(
      `${cannot} CHANGELOG.md's latest release is "${latest.name}", not "${version}" (${move})`,
    );
  } else if (!/^ - \d{4}-\d{2}-\d{2}$/.test(latest.rest)) {
    problems.push(
      `${cannot} CHANGELOG.md's "${latest.line}" should read "## [${version}] - YYYY-MM-DD"`,
    );
  }
  if (versionTs !== version) problems.push(`${cannot} src/version.ts says "${versionTs}"`);
  if (tag !== undefined && tag !== `v${version}`) {
    problems.push(`${cannot} the tag is "${tag}", expected "v${version}"`);
  }
  return problems;
}

if (import.meta.main) {
  const root = new URL("../", import.meta.url);
  let tag: string | undefined;
  try {
    ({ values: { tag } } = parseArgs({ args: Deno.args, options: { tag: { type: "string" } } }));
  } catch (err) {
    console.error(`Cannot run release:check: ${(err as Error).message} (usage: --tag vX.Y.Z)`);
    Deno.exit(1);
  }
  const { version } = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  let changelog = "";
  try {
    changelog = await Deno.readTextFile(new URL("CHANGELOG.md", root));
  } catch {
    console.error(`Cannot release "${version}": CHANGELOG.md cannot be read`);
    Deno.exit(1);
  }
  const problems = releaseProblems({ version, versionTs: VERSION, changelog, tag });
  for (const problem of problems) console.error(problem);
  if (problems.length) Deno.exit(1);
  console.log(`Release ${version} is ready: deno.json, src/version.ts and CHANGELOG.md agree`);
}
