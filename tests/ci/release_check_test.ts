/**
 * `deno task release:check`: deno.json's version, src/version.ts, the
 * CHANGELOG and the tag being published agree.
 *
 * @module
 */

import assert from "node:assert/strict";
import { releaseProblems } from "../../.ci/release_check.ts";

const changelog = (...sections: string[]) =>
  ["# Changelog", "", "## [Unreleased]", "", "### Added", "", "- Next thing.", "", ...sections]
    .join("\n");
const released = "## [0.2.0] - 2026-12-03\n\n### Fixed\n\n- A thing.\n\n## [0.1.0] - 2026-11-30\n";

Deno.test("release check: a release whose version is everywhere passes", () => {
  const release = { version: "0.2.0", versionTs: "0.2.0", changelog: changelog(released) };
  assert.deepEqual(releaseProblems(release), []);
  assert.deepEqual(releaseProblems({ ...release, tag: "v0.2.0" }), []);
});

Deno.test("release check: each disagreement is one line that names both sides", async (t) => {
  await t.step("the CHANGELOG has no section for the version", () => {
    const problems = releaseProblems({
      version: "0.3.0",
      versionTs: "0.3.0",
      changelog: changelog(released),
    });
    assert.deepEqual(problems, [
      'Cannot release "0.3.0": CHANGELOG.md\'s latest release is "0.2.0", not "0.3.0" ' +
      '(move the Unreleased entries under "## [0.3.0] - YYYY-MM-DD")',
    ]);
  });
  await t.step("the CHANGELOG has no release at all", () => {
    const problems = releaseProblems({
      version: "0.1.0",
      versionTs: "0.1.0",
      changelog: changelog(),
    });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^Cannot release "0\.1\.0": CHANGELOG\.md has no release section/);
  });
  await t.step("the Unreleased section is missing", () => {
    const problems = releaseProblems({
      version: "0.2.0",
      versionTs: "0.2.0",
      changelog: `# Changelog\n\n${released}`,
    });
    assert.deepEqual(problems, [
      'Cannot release "0.2.0": CHANGELOG.md has no "## [Unreleased]" section (Keep a Changelog)',
    ]);
  });
  await t.step("the release's date is not a date", () => {
    const problems = releaseProblems({
      version: "0.2.0",
      versionTs: "0.2.0",
      changelog: changelog(released.replace("2026-12-03", "soon")),
    });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /"## \[0\.2\.0\] - soon".*YYYY-MM-DD/);
  });
  await t.step("src/version.ts and the tag disagree with deno.json", () => {
    const problems = releaseProblems({
      version: "0.2.0",
      versionTs: "0.1.0",
      changelog: changelog(released),
      tag: "0.2.0",
    });
    assert.deepEqual(problems, [
      'Cannot release "0.2.0": src/version.ts says "0.1.0"',
      'Cannot release "0.2.0": the tag is "0.2.0", expected "v0.2.0"',
    ]);
  });
  await t.step("a version that is not semver", () => {
    const problems = releaseProblems({
      version: "1.0",
      versionTs: "1.0",
      changelog: changelog("## [1.0] - 2026-12-03\n"),
    });
    assert.deepEqual(problems, [
      'Cannot release "1.0": deno.json\'s version is not semver (MAJOR.MINOR.PATCH)',
    ]);
  });
});
