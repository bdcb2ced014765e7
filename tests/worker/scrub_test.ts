import assert from "node:assert/strict";
import { scrubError } from "../../worker/log/scrub.ts";

Deno.test("scrubError withholds the Redis command and redacts ids and tokens", () => {
  const verifier = "Q7_RDAQWW6GdtJUOG4RDwJ2czfHNII0czEdoIsWgHbc";
  const error = new Error(
    `ERR emulator in error mode, command was: [["set","gw:value:login:9MOcmHRftWam-IdoAP3B1T",` +
      `"{\\"v\\":\\"${verifier}\\"}"]]`,
  );
  error.name = "UpstashError";
  assert.equal(scrubError(error), "UpstashError: ERR emulator in error mode (command withheld)");
  assert.equal(
    scrubError(new Error(`Cannot read session "cejqPoMwvRT0NWgnYSawHXYfXDTgJaqmxsG-jOcUbSU"`)),
    'Error: Cannot read session "[redacted]"',
  );
  assert.equal(scrubError("down"), "Error: down");
  assert.ok(scrubError(new Error("x".repeat(1_000))).length <= 300);
});
