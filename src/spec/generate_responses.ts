/**
 * The generator of `src/spec/responses.gen.ts`: every operation's success
 * status and response schema, and the component schemas they reference,
 * kept to the keywords that shape data (no descriptions, titles or
 * examples). The ESI simulator generates its answers from this table, so
 * that `src/` never reads the spec's JSON at run time.
 *
 * @module
 */

import type { OperationMeta } from "../operation_meta.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** The JSON-schema keywords that shape data; everything else is documentation. */
const KEPT = new Set([
  "$ref",
  "type",
  "format",
  "enum",
  "items",
  "properties",
  "required",
  "additionalProperties",
  "oneOf",
  "nullable",
  "minimum",
  "maximum",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minLength",
  "maxLength",
]);

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// A schema reduced to KEPT keywords, keys sorted so reruns give the same bytes.
function compact(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(compact);
  if (schema === null || typeof schema !== "object") return schema;
  const out: Record<string, Json> = {};
  for (const key of Object.keys(schema).sort(cmp)) {
    if (!KEPT.has(key)) continue;
    const value = schema[key];
    if (key === "properties") {
      const props: Record<string, Json> = {};
      for (const name of Object.keys(value).sort(cmp)) props[name] = compact(value[name]);
      out[key] = props;
    } else if (key === "enum" || key === "required") {
      out[key] = value;
    } else {
      out[key] = compact(value);
    }
  }
  return out;
}

// The component names a schema reaches, transitively.
function reached(spec: Json, schema: Json, into: Set<string>): void {
  if (Array.isArray(schema)) return schema.forEach((s) => reached(spec, s, into));
  if (schema === null || typeof schema !== "object") return;
  const ref = schema.$ref;
  if (typeof ref === "string") {
    const name = ref.replace("#/components/schemas/", "");
    if (name === ref) {
      throw new Error(`Cannot follow "${ref}": only component schemas are supported`);
    }
    if (!into.has(name)) {
      into.add(name);
      reached(spec, spec.components?.schemas?.[name], into);
    }
  }
  for (const [key, value] of Object.entries(schema)) {
    if (key !== "$ref" && key !== "example" && key !== "enum") reached(spec, value, into);
  }
}

/**
 * Renders `responses.gen.ts`.
 *
 * @param spec The parsed spec.
 * @param metas The operations, in the order of `operations.gen.ts`.
 * @param header The generated-file header line.
 * @returns The file's text.
 */
export function renderResponses(
  spec: Json,
  metas: readonly OperationMeta[],
  header: string,
): string {
  const names = new Set<string>();
  const rows: string[] = [];
  for (const meta of metas) {
    const responses = spec.paths[meta.path][meta.method.toLowerCase()].responses ?? {};
    const status = Object.keys(responses).filter((s) => /^2\d\d$/.test(s)).sort(cmp)[0];
    if (!status) throw new Error(`Cannot read "${meta.key}": it has no success response`);
    const schema = responses[status].content?.["application/json"]?.schema;
    reached(spec, schema, names);
    const row: Record<string, Json> = { status: Number(status) };
    if (schema) row.schema = compact(schema);
    rows.push(`  ${JSON.stringify(meta.key)}: ${JSON.stringify(row)},`);
  }
  const components = [...names].sort(cmp).map((name) =>
    `  ${JSON.stringify(name)}: ${JSON.stringify(compact(spec.components.schemas[name]))},`
  );
  return header +
    `/**\n * Every operation's success status and response schema, and the component\n` +
    ` * schemas they reference (\`$ref\` as in the spec), reduced to the keywords\n` +
    ` * that shape data.\n *\n * @module\n */\n\n` +
    `import type { OperationKey } from "./operations.gen.ts";\n` +
    `import type { ResponseMeta, SchemaNode } from "./response_schema.ts";\n\n` +
    `/** Each operation's success status and response schema (none for an empty answer). */\n` +
    `export const responses: { readonly [K in OperationKey]: ResponseMeta } = {\n` +
    rows.join("\n") + "\n};\n\n" +
    `/** The component schemas, by name (\`#/components/schemas/<name>\`). */\n` +
    `export const componentSchemas: Readonly<Record<string, SchemaNode>> = {\n` +
    components.join("\n") + "\n};\n";
}
