/**
 * The generator's tables: the texts of `operations.gen.ts` (the metadata
 * table and operationId lookups) and `scopes.gen.ts` (the scope and role
 * unions). Part of ./generate.ts.
 *
 * @module
 */

import type { OperationMeta, ParamMeta } from "../operation_meta.ts";
import { cmp, doc, fail, header, type Json, q } from "./generate_common.ts";

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
