/**
 * Every operation of CCP's spec, called on the ESI simulator, answers its
 * success status with a body that validates against the spec's response
 * schema — checked by ajv (a real JSON-Schema validator), over the spec file
 * itself rather than the simulator's generated table.
 *
 * How the OpenAPI 3.0 schemas are read as JSON Schema:
 * - `nullable: true` is ajv's own OpenAPI keyword (ajv 8 supports it).
 * - `example`, `x-enum-descriptions` and `x-common-model` are OpenAPI-only
 *   annotations: declared to ajv as keywords without validation.
 * - `format`: `date-time`, `date` and `uuid` come from ajv-formats; OpenAPI's
 *   `int32`, `int64`, `float` and `double` are added (range checks for ints).
 * - `$ref: "#/components/schemas/X"` points into the spec; the components are
 *   registered as one schema, `esi`, and the refs rewritten to `esi#/definitions/X`.
 * - `oneOf` alternatives in ESI's spec are single-property wrappers without
 *   `required` (a tagged union: the property is the tag). Read literally any
 *   object matches every alternative and no value could pass `oneOf`, so each
 *   alternative is read as requiring its one property.
 */
import assert from "node:assert/strict";
import { UnsecuredJWT } from "jose";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { EsiSimulator, FakeClock } from "../../src/testing/mod.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const CHAR = 2112625428;
const START = Date.UTC(2026, 6, 17, 12);
const METHODS = ["get", "post", "put", "delete"];

async function loadSpec(): Promise<Json> {
  // The committed copy once it is in the repository; CCP's file beside the project until then.
  for (const path of ["../../spec/openapi.json", "../../../shared/esi/openapi-3.0.json"]) {
    try {
      return JSON.parse(await Deno.readTextFile(new URL(path, import.meta.url)));
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
  throw new Error("Cannot read the spec: neither spec/openapi.json nor ../shared has it");
}

// OpenAPI → JSON Schema, as the module doc says.
function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== "object") return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$ref") {
      out.$ref = String(value).replace("#/components/schemas/", "esi#/definitions/");
    } else if (key === "oneOf") {
      out.oneOf = (value as Json[]).map((alt) => {
        const props = Object.keys(alt.properties ?? {});
        const mapped = toJsonSchema(alt);
        return props.length === 1 && !alt.required ? { ...mapped, required: props } : mapped;
      });
    } else if (key === "properties") {
      out.properties = Object.fromEntries(
        Object.entries(value as Json).map(([k, v]) => [k, toJsonSchema(v)]),
      );
    } else if (key === "example" || key === "enum") {
      out[key] = value;
    } else {
      out[key] = toJsonSchema(value);
    }
  }
  return out;
}

function validatorFor(spec: Json): Ajv {
  const ajv = new Ajv({ strict: true, strictTypes: false, allErrors: true });
  addFormats.default(ajv, ["date-time", "date", "uuid"]);
  const int = (bits: number) => (n: number) =>
    Number.isInteger(n) && n >= -(2 ** (bits - 1)) && n < 2 ** (bits - 1);
  ajv.addFormat("int32", { type: "number", validate: int(32) });
  ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat("float", { type: "number", validate: Number.isFinite });
  ajv.addFormat("double", { type: "number", validate: Number.isFinite });
  ajv.addVocabulary(["example", "x-enum-descriptions", "x-common-model"]);
  ajv.addSchema({ $id: "esi", definitions: toJsonSchema(spec.components.schemas) });
  return ajv;
}

const pathValues: Record<string, string> = {
  character_id: String(CHAR),
  corporation_id: "98000001",
  alliance_id: "99000001",
  type_id: "34",
  region_id: "10000002",
  system_id: "30000142",
  division: "1",
};

// A valid sample of a parameter or body schema.
function sample(spec: Json, schema: Json): Json {
  while (schema?.$ref) schema = spec.components.schemas[schema.$ref.split("/").pop()];
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case "array":
      return [sample(spec, schema.items)];
    case "object":
      return Object.fromEntries(
        (schema.required ?? []).map((k: string) => [k, sample(spec, schema.properties[k])]),
      );
    case "integer":
      return schema.minimum ?? 30000142;
    case "number":
      return schema.minimum ?? 1;
    case "boolean":
      return true;
    default:
      return schema.format === "uuid" ? "7b9e8f5e-0000-4000-8000-000000000001" : "Jita";
  }
}

function param(spec: Json, p: Json): Json {
  return p.$ref ? spec.components.parameters[p.$ref.split("/").pop()] : p;
}

Deno.test("every operation of the spec answers data that validates against its response schema", async () => {
  const spec = await loadSpec();
  const ajv = validatorFor(spec);
  const clock = new FakeClock({ start: START });
  const sim = new EsiSimulator({ clock, errorLimit: 10_000 });
  const failures: string[] = [];
  let operations = 0;
  let validated = 0;
  for (const [template, item] of Object.entries(spec.paths) as [string, Json][]) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      operations++;
      const key = `${method.toUpperCase()} ${template}`;
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) =>
        param(spec, p)
      );
      let path = template;
      const query = new URLSearchParams();
      for (const p of params) {
        if (p.in === "path") {
          const value = pathValues[p.name] ?? String(sample(spec, p.schema));
          path = path.replace(`{${p.name}}`, encodeURIComponent(value));
        } else if (p.in === "query" && p.required) {
          query.set(p.name, String(sample(spec, p.schema)));
        }
      }
      const scopes = (op.security ?? []).flatMap((s: Json) => Object.values(s).flat());
      const headers: Record<string, string> = { "x-compatibility-date": "2026-07-17" };
      if (scopes.length) {
        const jwt = new UnsecuredJWT({
          sub: `CHARACTER:EVE:${CHAR}`,
          scp: scopes,
          exp: Math.floor(START / 1000) + 1200,
        }).encode();
        headers.authorization = `Bearer ${jwt}`;
      }
      const bodySchema = op.requestBody?.content?.["application/json"]?.schema;
      const body = bodySchema ? JSON.stringify(sample(spec, bodySchema)) : undefined;
      const res = await sim.fetch(`/${path.slice(1)}${query.size ? `?${query}` : ""}`, {
        method: method.toUpperCase(),
        headers,
        body,
      });
      const text = await res.text();
      const success = Object.keys(op.responses).filter((s) => /^2\d\d$/.test(s)).sort()[0];
      if (String(res.status) !== success) {
        failures.push(`${key}: status ${res.status}, the spec says ${success}: ${text}`);
        continue;
      }
      const schema = op.responses[success].content?.["application/json"]?.schema;
      if (!schema) {
        if (text !== "") failures.push(`${key}: a body where the spec has none: ${text}`);
        else validated++;
        continue;
      }
      if (op.responses[success].headers?.["X-Pages"] && !res.headers.has("x-pages")) {
        failures.push(`${key}: no X-Pages header`);
      }
      const validate: ValidateFunction = ajv.compile(toJsonSchema(schema));
      if (validate(JSON.parse(text))) validated++;
      else failures.push(`${key}: ${ajv.errorsText(validate.errors?.slice(0, 3))}`);
    }
  }
  assert.equal(operations, 219);
  assert.deepEqual(failures, []);
  assert.equal(validated, 219);
});
