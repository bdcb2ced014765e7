/**
 * Data generated from the spec's response schemas (`src/spec/responses.gen.ts`):
 * a value of the schema's shape for any operation, deterministic for a seed,
 * with ids drawn from the simulator's universe so that they resolve — a
 * property named `corporation_id` holds a corporation that exists, a
 * character's `corporation_id` is the one the universe gives it, `name` on
 * `/alliances/{alliance_id}` is that alliance's name. Written by hand: the
 * npm generators (json-schema-faker and kin) are random, not coherent, and
 * do not know OpenAPI's `nullable`.
 *
 * @module
 */

import { componentSchemas } from "../spec/responses.gen.ts";
import type { SchemaNode } from "../spec/response_schema.ts";
import { type EsiSimKind, type EsiSimWorld, hash } from "./esi_sim_world.ts";

/** What generation knows of the call it answers. */
export interface GenContext {
  /** The universe the ids come from. */
  world: EsiSimWorld;
  /** The call's path parameters. */
  params: Readonly<Record<string, string>>;
  /** The route's last literal path segment, `"alliances"`: names the items of a bare id list. */
  segment: string;
  /** Items per array that the universe does not enumerate. @default 3 */
  arrayLength?: number;
}

const REF = "#/components/schemas/";
const DAY_MS = 86_400_000;
const EPOCH = Date.UTC(2026, 6, 17, 11);

// The path parameter naming the resource a route is about, by kind.
const SUBJECTS: [param: string, kind: EsiSimKind][] = [
  ["character_id", "character"],
  ["corporation_id", "corporation"],
  ["alliance_id", "alliance"],
  ["type_id", "inventory_type"],
  ["system_id", "solar_system"],
  ["region_id", "region"],
  ["constellation_id", "constellation"],
  ["station_id", "station"],
];

// An id list's items, by the list's name: a route's last segment (`GET /alliances`)
// or a property's last word (`infested_solar_systems`).
const LISTS: Record<string, EsiSimKind> = {
  alliances: "alliance",
  corporations: "corporation",
  npccorps: "corporation",
  regions: "region",
  constellations: "constellation",
  systems: "solar_system",
  types: "inventory_type",
  characters: "character",
  members: "character",
  factions: "faction",
  stations: "station",
};
const PARENTS: Record<string, EsiSimKind> = {
  "station system_id": "solar_system",
  "solar_system constellation_id": "constellation",
  "constellation region_id": "region",
};
const listKind = (name: string): EsiSimKind | undefined => LISTS[name.split("_").pop()!];

// Plausible ranges by a number's name: rates are fractions, standings and security small.
function numberRange(name: string): [number, number] {
  if (/rate|ratio|percent|factor|progress/.test(name)) return [0, 1];
  if (/security|standing/.test(name)) return [-1, 1];
  if (/price|isk|balance|amount|value|cost|collateral|reward|tax/.test(name)) {
    return [0, 10_000_000];
  }
  return [0, 1000];
}

/**
 * Follows `$ref`s to the schema itself.
 *
 * @param node A schema node.
 * @returns The node with no `$ref`.
 */
export function resolveSchema(node: SchemaNode): SchemaNode {
  let seen = 0;
  while (node.$ref !== undefined) {
    const target = componentSchemas[node.$ref.slice(REF.length)];
    if (!target || ++seen > 32) throw new Error(`Cannot resolve schema "${node.$ref}"`);
    node = target;
  }
  return node;
}

// The kind of thing an integer property names, by its name.
function kindOf(name: string): EsiSimKind | undefined {
  if (name.endsWith("character_id") || name === "ceo_id" || name === "creator_id") {
    return "character";
  }
  if (name.endsWith("corporation_id")) return "corporation";
  if (name.endsWith("alliance_id")) return "alliance";
  if (name.endsWith("faction_id")) return "faction";
  if (name.endsWith("type_id")) return "inventory_type";
  if (name.endsWith("region_id")) return "region";
  if (name.endsWith("constellation_id")) return "constellation";
  if (name === "system_id" || name.endsWith("solar_system_id")) return "solar_system";
  if (name.endsWith("station_id") || name === "location_id") return "station";
  return undefined;
}

class Generator {
  readonly #subject?: { kind: EsiSimKind; id: number };

  constructor(readonly ctx: GenContext) {
    for (const [param, kind] of SUBJECTS) {
      const raw = ctx.params[param];
      if (raw !== undefined && Number.isInteger(Number(raw))) {
        this.#subject = { kind, id: Number(raw) };
        break;
      }
    }
  }

  // The ids a property may take: related to the route's subject where the universe knows.
  #pool(kind: EsiSimKind): readonly number[] {
    const { world } = this.ctx;
    const subject = this.#subject;
    if (kind === "corporation" && this.ctx.segment === "npccorps") {
      return world.ids.corporation.filter((c) => c < 98_000_000);
    }
    if (subject?.kind === "alliance" && kind === "corporation") {
      const members = world.ids.corporation.filter((c) => world.allianceOf(c) === subject.id);
      if (members.length) return members;
    }
    if (subject?.kind === "corporation" && kind === "character") {
      const members = world.membersOf(subject.id);
      if (members.length) return members;
    }
    return world.ids[kind];
  }

  // A top-level property tied to the subject: its own id, its name, its corporation, its alliance.
  #related(name: string, kind: EsiSimKind | undefined): number | string | null | undefined {
    const subject = this.#subject;
    if (!subject) return undefined;
    const { world } = this.ctx;
    if (name === "name") return world.entity(subject.id)?.name ?? `${subject.kind} ${subject.id}`;
    if (kind === subject.kind && name === SUBJECTS.find(([, k]) => k === kind)?.[0]) {
      return subject.id;
    }
    // The universe's hubs line up: the i-th station is in the i-th system, constellation, region.
    const at = world.ids[subject.kind].indexOf(subject.id);
    const parent = PARENTS[`${subject.kind} ${name}`];
    if (at >= 0 && parent) return world.ids[parent][at];
    const corporation = subject.kind === "character"
      ? world.corporationOf(subject.id)
      : subject.kind === "corporation"
      ? subject.id
      : undefined;
    if (corporation === undefined) return undefined;
    if (name === "corporation_id" && subject.kind === "character") return corporation;
    if (name === "alliance_id") return world.allianceOf(corporation) ?? null;
    return undefined;
  }

  value(node: SchemaNode, name: string, h: number, depth: number): unknown {
    node = resolveSchema(node);
    if (node.oneOf) return this.value(node.oneOf[h % node.oneOf.length], name, hash(h, 1), depth);
    if (node.enum) return node.enum[h % node.enum.length];
    switch (node.type) {
      case "object":
        return this.object(node, h, depth);
      case "array":
        return this.array(node, name, h, depth);
      case "integer":
        return this.integer(node, name, h);
      case "number":
        return this.number(node, name, h);
      case "boolean":
        return (h & 1) === 1;
      case "string":
        return this.string(node, name, h);
      default:
        return node.properties ? this.object(node, h, depth) : {};
    }
  }

  object(node: SchemaNode, h: number, depth: number, own?: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const required = new Set(node.required ?? []);
    // An item of a route's list (`/universe/factions`) is the thing its id names.
    const ownKey = depth === 1 ? this.#ownKey(node) : undefined;
    const ownId = ownKey === undefined
      ? undefined
      : own ?? this.ctx.world.pick(kindOf(ownKey)!, hash(h, ownKey));
    for (const [prop, schema] of Object.entries(node.properties ?? {})) {
      if (ownId !== undefined && (prop === ownKey || prop === "name")) {
        out[prop] = prop === "name" ? this.ctx.world.entity(ownId)?.name ?? `${ownId}` : ownId;
        continue;
      }
      // Deep optional branches are left out: the schema allows it and recursion stays bounded.
      if (depth > 3 && !required.has(prop)) continue;
      const related = depth === 0 ? this.#related(prop, kindOf(prop)) : undefined;
      if (related === null) {
        if (!required.has(prop)) continue;
      } else if (related !== undefined) {
        out[prop] = related;
        continue;
      }
      out[prop] = this.value(schema, prop, hash(h, prop), depth + 1);
    }
    const extra = node.additionalProperties;
    if (extra && typeof extra === "object" && !node.properties) {
      for (let i = 1; i <= 2; i++) out[`key_${i}`] = this.value(extra, "", hash(h, i), depth + 1);
    }
    return out;
  }

  // The property naming a list item's own id: `faction_id` in `/universe/factions`.
  #ownKey(node: SchemaNode): string | undefined {
    const key = `${this.ctx.segment.replace(/s$/, "")}_id`;
    const props = node.properties ?? {};
    return Object.hasOwn(props, key) && Object.hasOwn(props, "name") && kindOf(key)
      ? key
      : undefined;
  }

  array(node: SchemaNode, name: string, h: number, depth: number): unknown[] {
    const items = resolveSchema(node.items ?? {});
    const kind = items.type === "integer"
      ? kindOf(name) ?? listKind(depth === 0 ? this.ctx.segment : name)
      : undefined;
    let length = this.ctx.arrayLength ?? 3;
    const ownKey = depth === 0 && items.type === "object" ? this.#ownKey(items) : undefined;
    if (ownKey !== undefined) {
      // One item per thing of the kind, each named.
      return this.#pool(kindOf(ownKey)!).map((id, i) => this.object(items, hash(h, i), 1, id));
    }
    if (kind !== undefined) {
      const pool = this.#pool(kind);
      // A route listing a kind lists all of it; elsewhere a few, all different.
      if (depth === 0) return [...pool];
      return Array.from(
        { length: Math.min(length, pool.length) },
        (_, i) => pool[(h + i) % pool.length],
      );
    }
    if (node.maxItems !== undefined) length = Math.min(length, node.maxItems);
    if (items.enum) {
      const values = items.enum;
      length = Math.min(length, values.length);
      return Array.from({ length }, (_, i) => values[(h + i) % values.length]);
    }
    const out = Array.from({ length }, (_, i) => this.value(items, name, hash(h, i), depth + 1));
    // uniqueItems over scalars: step past repeats.
    if (node.uniqueItems && items.type !== "object") {
      const seen = new Set<string>();
      for (let i = 0; i < out.length; i++) {
        let tries = 0;
        while (seen.has(JSON.stringify(out[i])) && tries++ < 16) {
          out[i] = this.value(items, name, hash(h, i, tries), depth + 1);
        }
        seen.add(JSON.stringify(out[i]));
      }
    }
    return out;
  }

  integer(node: SchemaNode, name: string, h: number): number {
    const kind = kindOf(name);
    if (kind) {
      const pool = this.#pool(kind);
      return pool[h % pool.length];
    }
    let min = node.minimum ?? 0;
    let max = node.maximum ?? (name.endsWith("_id") || name === "id" ? 99_999_999 : 1000);
    if (min > max) [min, max] = [max, min];
    return min + (h % (max - min + 1));
  }

  number(node: SchemaNode, name: string, h: number): number {
    const [low, high] = numberRange(name);
    const min = node.minimum ?? low;
    const max = node.maximum ?? high;
    return Math.round((min + (h / 0xffffffff) * (max - min)) * 100) / 100;
  }

  string(node: SchemaNode, name: string, h: number): string {
    switch (node.format) {
      case "date-time":
        return new Date(EPOCH - (h % 365) * DAY_MS - (h % 86_400) * 1000).toISOString()
          .replace(".000Z", "Z");
      case "date":
        return new Date(EPOCH - (h % 365) * DAY_MS).toISOString().slice(0, 10);
      case "uuid": {
        const hex = (n: number) => n.toString(16).padStart(8, "0");
        const a = hex(hash(h, "a"));
        const b = hex(hash(h, "b"));
        return `${hex(h)}-${a.slice(0, 4)}-4${a.slice(5)}-8${b.slice(1, 4)}-${b}${a.slice(0, 4)}`;
      }
    }
    if (name === "ticker") return hash(h).toString(36).slice(0, 4).toUpperCase();
    if (name === "url") return `https://example.com/${h % 1000}`;
    const label = name ? name.replaceAll("_", " ") : "text";
    let text = `${label[0].toUpperCase()}${label.slice(1)} ${h % 1000}`;
    if (node.maxLength !== undefined) text = text.slice(0, node.maxLength);
    return text;
  }
}

/**
 * Generates a value of a schema for a call.
 *
 * @param schema The response schema.
 * @param ctx The universe, the path parameters and the route.
 * @param seed Varies the value: the same seed gives the same value.
 * @returns The value.
 */
export function generate(schema: SchemaNode, ctx: GenContext, seed: number): unknown {
  return new Generator(ctx).value(schema, "", seed, 0);
}

/**
 * Generates one item of an array schema, for paged and cursor routes.
 *
 * @param schema The array's schema.
 * @param ctx The universe, the path parameters and the route.
 * @param seed Varies the item.
 * @returns The item.
 */
export function generateItem(schema: SchemaNode, ctx: GenContext, seed: number): unknown {
  const items = resolveSchema(resolveSchema(schema).items ?? {});
  return new Generator(ctx).value(items, "", seed, 1);
}
