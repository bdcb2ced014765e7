// The test parser must refuse what it is there to catch, or the exposition tests prove nothing.
import assert from "node:assert/strict";
import { parsePrometheus, sampleValue } from "../support/prometheus_parser.ts";

const valid = `# HELP http_requests_total Requests, with "quotes" and a \\\\ and a \\n.
# TYPE http_requests_total counter
http_requests_total{method="GET",path="/a \\"b\\"\\\\c\\nd"} 3
http_requests_total{method="POST",path="/"} 1 1700000000000
# a plain comment
# HELP took_seconds Durations.
# TYPE took_seconds histogram
took_seconds_bucket{le="0.1"} 1
took_seconds_bucket{le="1"} 2
took_seconds_bucket{le="+Inf"} 3
took_seconds_sum 4.5
took_seconds_count 3
# TYPE up gauge
up NaN
`;

Deno.test("the test parser reads a valid exposition, unescaping help and label values", () => {
  const families = parsePrometheus(valid);
  assert.deepEqual([...families.keys()], ["http_requests_total", "took_seconds", "up"]);
  assert.equal(
    families.get("http_requests_total")?.help,
    'Requests, with "quotes" and a \\ and a \n.',
  );
  assert.equal(
    sampleValue(families, "http_requests_total", { method: "GET", path: '/a "b"\\c\nd' }),
    3,
  );
  assert.equal(sampleValue(families, "took_seconds_bucket", { le: "+Inf" }), 3);
  assert.ok(Number.isNaN(sampleValue(families, "up")));
});

Deno.test("the test parser refuses each kind of invalid exposition", async (t) => {
  const cases: [string, string, RegExp][] = [
    ["no final line feed", "# TYPE a counter\na 1", /line feed/],
    ["a sample before its TYPE", "a 1\n", /before a TYPE/],
    ["an invalid metric name", "# TYPE 1a counter\n", /invalid metric name/],
    ["an invalid label name", '# TYPE a counter\na{1x="v"} 1\n', /invalid label name/],
    ["an unquoted label value", "# TYPE a counter\na{x=v} 1\n", /expected '"'/],
    ["an invalid escape", '# TYPE a counter\na{x="\\t"} 1\n', /invalid escape/],
    ["an unterminated label value", '# TYPE a counter\na{x="v} 1\n', /unterminated|expected/],
    ["a repeated label", '# TYPE a counter\na{x="1",x="2"} 1\n', /repeated/],
    ["an invalid value", "# TYPE a counter\na one\n", /invalid value/],
    ["a negative counter", "# TYPE a counter\na -1\n", /counter "a" has value -1/],
    ["a duplicate series", '# TYPE a counter\na{x="1"} 1\na{x="1"} 2\n', /duplicate series/],
    ["a second HELP", "# HELP a x\n# HELP a y\n# TYPE a counter\n", /second HELP/],
    ["a second TYPE", "# TYPE a counter\n# TYPE a counter\n", /second TYPE/],
    ["an unknown type", "# TYPE a thing\n", /unknown type/],
    [
      "a family split in two",
      '# TYPE a counter\na 1\n# TYPE b counter\nb 1\na{x=""} 2\n',
      /appears twice/,
    ],
    [
      "buckets out of order",
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="0.5"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
      /ascending/,
    ],
    [
      "decreasing bucket counts",
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
      /decrease/,
    ],
    ["no +Inf bucket", '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', /\+Inf/],
    [
      "a _count unlike +Inf",
      '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n',
      /differs/,
    ],
    ["no _sum", '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_count 1\n', /no _sum/],
  ];
  for (const [name, text, why] of cases) {
    await t.step(name, () => {
      assert.throws(() => parsePrometheus(text), why);
    });
  }
});
