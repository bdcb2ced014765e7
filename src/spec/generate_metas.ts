/**
 * The generator's reading of the spec: every operation's metadata
 * (parameters, body, cache, pagination, scopes, rate limit). Part of
 * ./generate.ts.
 *
 * @module
 */

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
import { cmp, fail, type Json } from "./generate_common.ts";

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
