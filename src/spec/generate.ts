/**
 * The generator of `src/spec/`: from ESI's OpenAPI 3.0 spec, `paths.gen.ts`
 * (types, by openapi-typescript), `operations.gen.ts` (the per-operation
 * metadata table) and `scopes.gen.ts` (the scope and role unions). Run it
 * with `deno task gen [path-or-url]` (`.ci/gen.ts` reads and writes the files).
 *
 * The output is deterministic: everything is sorted with code-unit order (not
 * the locale's) and nothing depends on the time or the machine, so CI can
 * check a rerun with `git diff --exit-code`.
 *
 * @module
 */

import openapiTS, { astToString } from "openapi-typescript";
import type { OpenAPI3 } from "openapi-typescript";
import type {
  BodyMeta,
  CacheMode,
  EsiMethod,
  ItemsMeta,
  OperationMeta,
  PaginationKind,
  ParamMeta,
  RateLimitMeta,
  SchemaType,
} from "../operation_meta.ts";
import { renderResponses } from "./generate_responses.ts";

// Loose views of the spec: only the fields read here.
// deno-lint-ignore no-explicit-any
type Json = any;

const METHODS = ["get", "post", "put", "delete"] as const;

/** Headers the client sets on every call; callers never pass them. */
const COMMON_HEADERS = new Set([
  "accept-language",
  "if-none-match",
  "x-compatibility-date",
  "x-tenant",
  "if-modified-since",
]);

const SCHEMA_TYPES = new Set(["integer", "number", "string", "boolean", "array", "object"]);
const CACHE_MODES = new Set(["ttl-based", "event-based", "no-cache", "not-cached"]);
const PARAM_ORDER = { path: 0, query: 1, header: 2 } as const;
const WINDOW_UNITS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Code-unit order: the same on every machine, unlike `localeCompare`. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function fail(message: string): never {
  throw new Error(message);
}

/** Follows a local `$ref` ("#/components/…") to its target. */
function deref(spec: Json, node: Json): Json {
  let seen = 0;
  while (node && typeof node === "object" && typeof node.$ref === "string") {
    if (++seen > 32) fail(`Cannot resolve "${node.$ref}": the reference loops`);
    const ref: string = node.$ref;
    if (!ref.startsWith("#/")) fail(`Cannot resolve "${ref}": only local references are supported`);
    let target = spec;
    for (const part of ref.slice(2).split("/")) {
      target = target?.[part.replaceAll("~1", "/").replaceAll("~0", "~")];
    }
    if (target === undefined) fail(`Cannot resolve "${ref}": nothing is there`);
    // Sibling keys (e.g. a local description) sit beside the $ref; the target wins.
    const { $ref: _, ...rest } = node;
    node = { ...rest, ...target };
  }
  return node;
}

function schemaType(schema: Json, where: string): SchemaType {
  const type = schema?.type ?? (schema?.properties ? "object" : undefined);
  if (!SCHEMA_TYPES.has(type)) fail(`Cannot read ${where}: unsupported schema type "${type}"`);
  return type;
}

function itemsMeta(spec: Json, schema: Json, where: string): ItemsMeta | undefined {
  if (schema.type !== "array" || !schema.items) return undefined;
  const items = deref(spec, schema.items);
  const meta: { type: SchemaType; enum?: readonly (string | number)[] } = {
    type: schemaType(items, `${where} items`),
  };
  if (Array.isArray(items.enum)) meta.enum = items.enum;
  return meta;
}

/** Copies the numeric and array constraints that the runtime checks read. */
function constraints(schema: Json): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = {};
  for (const key of ["minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"]) {
    if (typeof schema[key] === "number") out[key] = schema[key];
  }
  if (schema.uniqueItems === true) out.uniqueItems = true;
  return out;
}

function paramMeta(spec: Json, raw: Json, where: string): ParamMeta | undefined {
  const param = deref(spec, raw);
  if (param.in === "header" && COMMON_HEADERS.has(String(param.name).toLowerCase())) {
    return undefined;
  }
  if (param.in !== "path" && param.in !== "query" && param.in !== "header") {
    fail(`Cannot read ${where}: parameter "${param.name}" is in unsupported "${param.in}"`);
  }
  const schema = deref(spec, param.schema ?? {});
  const label = `${where} parameter "${param.name}"`;
  const meta: Record<string, unknown> = {
    name: param.name,
    in: param.in,
    required: param.in === "path" || param.required === true,
    type: schemaType(schema, label),
  };
  if (typeof schema.format === "string") meta.format = schema.format;
  if (Array.isArray(schema.enum)) meta.enum = schema.enum;
  const items = itemsMeta(spec, schema, label);
  if (items) meta.items = items;
  Object.assign(meta, constraints(schema));
  return meta as unknown as ParamMeta;
}

function bodyMeta(spec: Json, raw: Json, where: string): BodyMeta | undefined {
  if (!raw) return undefined;
  const body = deref(spec, raw);
  const media = body.content?.["application/json"];
  if (!media) fail(`Cannot read ${where}: the request body is not application/json`);
  const schema = deref(spec, media.schema ?? {});
  const meta: Record<string, unknown> = {
    required: body.required === true,
    type: schemaType(schema, `${where} body`),
  };
  const items = itemsMeta(spec, schema, `${where} body`);
  if (items) meta.items = items;
  for (const key of ["minItems", "maxItems"]) {
    if (typeof schema[key] === "number") meta[key] = schema[key];
  }
  if (schema.uniqueItems === true) meta.uniqueItems = true;
  return meta as unknown as BodyMeta;
}

function windowMs(window: string, where: string): number {
  const match = /^(\d+)\s*(ms|s|m|h|d)$/.exec(window.trim());
  if (!match) fail(`Cannot read ${where}: unsupported rate-limit window "${window}"`);
  return Number(match[1]) * WINDOW_UNITS[match[2]];
}

function rateLimit(raw: Json, where: string): RateLimitMeta | undefined {
  if (!raw) return undefined;
  const group = raw.group;
  const maxTokens = raw["max-tokens"];
  if (typeof group !== "string" || typeof maxTokens !== "number") {
    fail(`Cannot read ${where}: malformed x-rate-limit ${JSON.stringify(raw)}`);
  }
  return { group, maxTokens, windowMs: windowMs(String(raw["window-size"]), where) };
}

function pagination(spec: Json, op: Json, params: readonly ParamMeta[]): PaginationKind {
  if (op["x-pagination"] === "cursor" || op["x-pagination"]?.type === "cursor") return "cursor";
  const ok = op.responses?.["200"] ? deref(spec, op.responses["200"]) : undefined;
  const headers = Object.keys(ok?.headers ?? {}).map((h) => h.toLowerCase());
  if (headers.includes("x-pages")) return "x-pages";
  if (params.some((p) => p.in === "query" && p.name === "from_id")) return "from_id";
  return "none";
}

/** Every operation's metadata, sorted by path, then method. */
export function operationMetas(spec: Json): OperationMeta[] {
  const out: OperationMeta[] = [];
  for (const path of Object.keys(spec.paths ?? {}).sort(cmp)) {
    const item = spec.paths[path];
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const upper = method.toUpperCase() as EsiMethod;
      const key = `${upper} ${path}`;
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])]
        .map((p: Json) => paramMeta(spec, p, `"${key}"`))
        .filter((p): p is ParamMeta => p !== undefined)
        .sort((a, b) => PARAM_ORDER[a.in] - PARAM_ORDER[b.in] || cmp(a.name, b.name));
      const scopes = [
        ...new Set<string>((op.security ?? []).flatMap((s: Json) => Object.values(s).flat())),
      ].sort(cmp);
      const cacheMode = op["x-cache-mode"];
      if (cacheMode !== undefined && !CACHE_MODES.has(cacheMode)) {
        fail(`Cannot read "${key}": unsupported x-cache-mode "${cacheMode}"`);
      }
      const meta: Record<string, unknown> = {
        key,
        method: upper,
        path,
        operationId: op.operationId ?? fail(`Cannot read "${key}": it has no operationId`),
        summary: op.summary ?? "",
        tags: op.tags ?? [],
        scopes,
        roles: [...(op["x-required-roles"] ?? [])].sort(cmp),
      };
      if (typeof op["x-cache-age"] === "number") meta.cacheAge = op["x-cache-age"];
      if (cacheMode !== undefined) meta.cacheMode = cacheMode as CacheMode;
      const limit = rateLimit(op["x-rate-limit"], `"${key}"`);
      if (limit) meta.rateLimit = limit;
      meta.pagination = pagination(spec, op, params);
      meta.compatibilityDate = op["x-compatibility-date"] ??
        fail(`Cannot read "${key}": it has no x-compatibility-date`);
      meta.parameters = params;
      const body = bodyMeta(spec, op.requestBody, `"${key}"`);
      if (body) meta.body = body;
      out.push(meta as unknown as OperationMeta);
    }
  }
  return out;
}

function specDate(spec: Json): string {
  const version = spec.info?.version;
  if (typeof version !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(version)) {
    fail(`Cannot read the spec: info.version "${version}" is not a compatibility date`);
  }
  return version;
}

function header(date: string): string {
  return `// Generated by src/spec/generate.ts from ESI's OpenAPI spec (compatibility date ${date}). Do not edit.\n`;
}

/** A TSDoc block: a summary and an example. */
function doc(summary: string, example: string): string {
  const body = [summary, "", "@example", "```ts", ...example.split("\n"), "```"];
  return ["/**", ...body.map((l) => (l ? ` * ${l}` : " *")), " */"].join("\n") + "\n";
}

const META_TYPES = [
  "BodyMeta",
  "CacheMode",
  "EsiMethod",
  "ItemsMeta",
  "OperationMeta",
  "PaginationKind",
  "ParamMeta",
  "RateLimitMeta",
  "SchemaType",
];

const q = (s: string): string => JSON.stringify(s);

/** One operation per block, one field (and one parameter) per line: short diffs. */
function renderOperation(meta: OperationMeta): string {
  const lines: string[] = [];
  for (const [field, value] of Object.entries(meta)) {
    if (field === "parameters") {
      const params = value as ParamMeta[];
      if (params.length === 0) {
        lines.push(`    parameters: [],`);
      } else {
        lines.push(`    parameters: [`);
        for (const p of params) lines.push(`      ${JSON.stringify(p)},`);
        lines.push(`    ],`);
      }
    } else {
      lines.push(`    ${field}: ${JSON.stringify(value)},`);
    }
  }
  return `  ${q(meta.key)}: {\n${lines.join("\n")}\n  },\n`;
}

/** The text of `operations.gen.ts`: the metadata table and operationId lookups. */
export function renderOperations(metas: readonly OperationMeta[], date: string): string {
  const keys = metas.map((m) => m.key);
  const byId = [...metas].sort((a, b) => cmp(a.operationId, b.operationId));
  const ids = new Set<string>();
  for (const m of byId) {
    if (ids.has(m.operationId)) fail(`Cannot generate: operationId "${m.operationId}" repeats`);
    ids.add(m.operationId);
  }
  let out = header(date);
  out += `/**\n * ESI's operations and what the spec says about each: scopes, roles, cache,\n` +
    ` * rate-limit group, pagination and parameters.\n *\n * @module\n */\n\n`;
  out += `import type { OperationMeta } from "../operation_meta.ts";\n\n`;
  // Re-exported so the table's type is public wherever the table is.
  out += `export type {\n${
    META_TYPES.map((t) => `  ${t},\n`).join("")
  }} from "../operation_meta.ts";\n\n`;
  out += doc(
    "The compatibility date of the spec these files were generated from.",
    `import { specCompatibilityDate } from "@esikit/esi/spec";\nspecCompatibilityDate; // ${
      q(date)
    }`,
  );
  out += `export const specCompatibilityDate: ${q(date)} = ${q(date)};\n\n`;
  out += doc(
    'Every ESI operation as `"METHOD /path"`.',
    `import type { OperationKey } from "@esikit/esi/spec";\nconst key: OperationKey = "GET /markets/{region_id}/orders";`,
  );
  out += `export type OperationKey =\n${keys.map((k) => `  | ${q(k)}`).join("\n")};\n\n`;
  out += doc(
    'What the spec says about each operation, by `"METHOD /path"`.',
    `import { operations } from "@esikit/esi/spec";\noperations["GET /markets/{region_id}/orders"].rateLimit?.group; // "market-order"`,
  );
  out += `export const operations: Readonly<Record<OperationKey, OperationMeta>> = {\n`;
  out += metas.map(renderOperation).join("");
  out += `};\n\n`;
  out += doc(
    "Each operationId and the operation it names.",
    `import type { OperationKeysById } from "@esikit/esi";\nconst key: OperationKeysById["GetStatus"] = "GET /status";`,
  );
  out += `export interface OperationKeysById {\n`;
  out += byId.map((m) => `  /** ${m.summary}. */\n  ${m.operationId}: ${q(m.key)};\n`).join("");
  out += `}\n\n`;
  out += doc(
    "Every ESI operationId, e.g. `GetMarketsRegionIdOrders`.",
    `import type { EsiOperationId } from "@esikit/esi";\nconst id: EsiOperationId = "GetMarketsRegionIdOrders";`,
  );
  out += `export type EsiOperationId = keyof OperationKeysById;\n\n`;
  out += doc(
    'The `"METHOD /path"` of each operationId.',
    `import { operationKeysById } from "@esikit/esi/spec";\noperationKeysById.GetStatus; // "GET /status"`,
  );
  out += `export const operationKeysById: Readonly<OperationKeysById> = {\n`;
  out += byId.map((m) => `  ${m.operationId}: ${q(m.key)},\n`).join("");
  out += `};\n`;
  return out;
}

/** The text of `scopes.gen.ts`: the scope and role unions. */
export function renderScopes(spec: Json, metas: readonly OperationMeta[], date: string): string {
  const flows = spec.components?.securitySchemes?.OAuth2?.flows ?? {};
  const scopes = [
    ...new Set(Object.values(flows).flatMap((f: Json) => Object.keys(f?.scopes ?? {}))),
  ].sort(cmp);
  for (const m of metas) {
    for (const s of m.scopes) {
      if (!scopes.includes(s)) fail(`Cannot generate: "${m.key}" needs undeclared scope "${s}"`);
    }
  }
  const roles = [...new Set(metas.flatMap((m) => m.roles))].sort(cmp);
  const union = (xs: string[]) => xs.length ? xs.map((x) => `  | ${q(x)}`).join("\n") : "  never";
  const list = (xs: string[]) => xs.map((x) => `  ${q(x)},\n`).join("");
  let out = header(date);
  out += `/**\n * The SSO scopes and in-game corporation roles ESI's operations need.\n *\n` +
    ` * @module\n */\n\n`;
  out += doc(
    "An SSO scope that some ESI operation needs.",
    `import type { EsiScope } from "@esikit/esi/spec";\nconst scope: EsiScope = "esi-assets.read_assets.v1";`,
  );
  out += `export type EsiScope =\n${union(scopes)};\n\n`;
  out += doc(
    "Every SSO scope ESI's spec declares, sorted.",
    `import { esiScopes } from "@esikit/esi/spec";\nesiScopes.includes("esi-assets.read_assets.v1"); // true`,
  );
  out += `export const esiScopes: readonly EsiScope[] = [\n${list(scopes)}];\n\n`;
  out += doc(
    "An in-game corporation role that some ESI operation needs.",
    `import type { EsiRole } from "@esikit/esi/spec";\nconst role: EsiRole = "Director";`,
  );
  out += `export type EsiRole =\n${union(roles)};\n\n`;
  out += doc(
    "Every corporation role ESI's operations name, sorted.",
    `import { esiRoles } from "@esikit/esi/spec";\nesiRoles.includes("Director"); // true`,
  );
  out += `export const esiRoles: readonly EsiRole[] = [\n${list(roles)}];\n`;
  return out;
}

/** Docs for openapi-typescript's top-level exports, which it leaves bare. */
const TYPE_DOCS: Record<string, [string, string]> = {
  paths: [
    "ESI's paths, generated from CCP's OpenAPI spec: each path's methods, parameters and responses.",
    `import type { paths } from "@esikit/esi";\ntype Orders = paths["/markets/{region_id}/orders"]["get"];`,
  ],
  components: [
    "ESI's shared schemas, parameters and headers, generated from CCP's OpenAPI spec.",
    `import type { components } from "@esikit/esi";\ntype Id = components["schemas"]["CharacterID"];`,
  ],
  operations: [
    "ESI's operations by operationId, generated from CCP's OpenAPI spec. esikit exports it as " +
    "`EsiOperationTypes`: `operations` is the metadata table.",
    `import type { EsiOperationTypes } from "@esikit/esi";\ntype Status = EsiOperationTypes["GetStatus"]["responses"][200];`,
  ],
};

const EMPTY_EXPORTS = new Set([
  "export type webhooks = Record<string, never>;",
  "export type $defs = Record<string, never>;",
]);

/** Docs for the members of `components`, which deno doc's lint also wants documented. */
const COMPONENT_DOCS: Record<string, string> = {
  schemas: "The spec's shared schemas: request and response bodies, common IDs.",
  responses: "The spec's shared responses: none.",
  parameters: "The spec's shared parameters: the headers every call carries.",
  requestBodies: "The spec's shared request bodies: none.",
  headers: "The spec's shared response headers.",
  pathItems: "The spec's shared path items: none.",
};

/** A one-line TSDoc for a member of one of openapi-typescript's top-level interfaces. */
function memberDoc(
  owner: string,
  member: string,
  metas: readonly OperationMeta[],
): string {
  const name = member.startsWith('"') ? JSON.parse(member) : member;
  if (owner === "paths") {
    const ops = metas.filter((m) => m.path === name);
    if (ops.length === 0) fail(`Cannot generate: path "${name}" has no operation`);
    return `\`${name}\`: ${ops.map((m) => `${m.method} (${m.summary})`).join(", ")}.`;
  }
  if (owner === "operations") {
    const op = metas.find((m) => m.operationId === name) ??
      fail(`Cannot generate: operation "${name}" is not in the table`);
    return `\`${op.key}\`: ${op.summary}.`;
  }
  if (owner === "components") {
    return COMPONENT_DOCS[name] ??
      fail(`Cannot generate: no documentation for components "${name}"`);
  }
  fail(`Cannot generate: unexpected member "${name}" of "${owner}"`);
}

/** The text of `paths.gen.ts`: openapi-typescript's output, every export documented. */
export async function renderPaths(
  spec: Json,
  metas: readonly OperationMeta[],
  date: string,
): Promise<string> {
  const ast = await openapiTS(spec as OpenAPI3, {
    alphabetize: true,
    // A default in a request schema does not make the field required of the caller.
    defaultNonNullable: false,
    silent: true,
  });
  const out: string[] = [];
  let owner: string | undefined;
  for (const line of astToString(ast).split("\n")) {
    // Empty placeholders for what OpenAPI 3.0 does not have; nothing refers to them.
    if (EMPTY_EXPORTS.has(line)) continue;
    const top = /^export (interface|type) ([\w$]+)/.exec(line);
    if (top) {
      const entry = TYPE_DOCS[top[2]] ?? fail(`Cannot generate: no documentation for "${top[2]}"`);
      out.push(doc(...entry).trimEnd());
      owner = top[1] === "interface" ? top[2] : undefined;
    } else if (line === "}") {
      owner = undefined;
    } else if (owner) {
      // deno doc's lint wants every member of an exported interface documented.
      const member = /^ {4}("[^"]+"|[\w$]+)\??: /.exec(line);
      if (member && !out[out.length - 1].trimEnd().endsWith("*/")) {
        out.push(`    /** ${memberDoc(owner, member[1], metas).replaceAll("*/", "*\\/")} */`);
      }
    }
    out.push(line);
  }
  return header(date) +
    `/**\n * ESI's types: every path, parameter, body and response, generated by\n` +
    ` * openapi-typescript from CCP's OpenAPI spec.\n *\n * @module\n */\n\n` +
    out.join("\n").trimEnd() + "\n";
}

/** What one run of the generator produces. */
export interface GeneratedSpec {
  /** The generated files' texts, by file name (they live in `src/spec/`). */
  files: Record<string, string>;
  /** How many operations the spec has. */
  operations: number;
  /** The spec's compatibility date. */
  date: string;
}

/**
 * Generates the files of `src/spec/` from a parsed OpenAPI 3.0 spec. Pure:
 * reading the spec and writing the files is the command line's business
 * (`deno task gen`, in `.ci/gen.ts`).
 *
 * @param spec The parsed spec.
 * @returns The files' texts and what they cover.
 * @example
 * ```ts ignore
 * import { generateSpecFiles } from "./generate.ts";
 * const { files } = await generateSpecFiles(JSON.parse(await (await fetch(specUrl)).text()));
 * ```
 */
export async function generateSpecFiles(spec: Json): Promise<GeneratedSpec> {
  const date = specDate(spec);
  const metas = operationMetas(spec);
  return {
    files: {
      "operations.gen.ts": renderOperations(metas, date),
      "scopes.gen.ts": renderScopes(spec, metas, date),
      "paths.gen.ts": await renderPaths(spec, metas, date),
      "responses.gen.ts": renderResponses(spec, metas, header(date)),
    },
    operations: metas.length,
    date,
  };
}
