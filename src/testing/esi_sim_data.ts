/**
 * The simulator's built-in, deterministic data: every operation answers a
 * value of its response schema (`esi_sim_schema.ts`), and the routes users
 * look at most are written out so they hold together: server status, market
 * orders honouring `order_type` and `type_id` (X-Pages), character assets and
 * wallet journals of realistic size (X-Pages, token), corporation projects
 * (cursor), wallet transactions (from_id), and name and id resolution
 * (POST), all over the universe of `esi_sim_world.ts`. The same options,
 * path and version always give the same bytes; a new version changes
 * prices, quantities and player counts.
 *
 * @module
 */

import type { OperationMeta } from "../operation_meta.ts";
import { type OperationKey, operations } from "../spec/operations.gen.ts";
import { responses } from "../spec/responses.gen.ts";
import {
  EsiSimError,
  type EsiSimRoute,
  type EsiSimRouteContext,
  type LazyPagesRoute,
} from "./esi_sim_content.ts";
import { type GenContext, generate, generateItem, resolveSchema } from "./esi_sim_schema.ts";
import { EsiSimWorld, hash, mix } from "./esi_sim_world.ts";

/**
 * The sizes of the built-in data.
 *
 * @example
 * ```ts
 * import type { EsiSimDataOptions } from "@esikit/esi/testing";
 * const bench: EsiSimDataOptions = { marketPages: 100, ordersPerPage: 1000 };
 * ```
 */
export interface EsiSimDataOptions {
  /** Varies the generated data (player names, memberships, values). @default 1 */
  seed?: number;
  /** Pages of `GET /markets/{region_id}/orders`. @default 3 */
  marketPages?: number;
  /** Orders per market page. @default 1000 */
  ordersPerPage?: number;
  /** Pages of `GET /characters/{character_id}/assets`. @default 2 */
  assetPages?: number;
  /** Assets per page (ESI's page holds 1000). @default 1000 */
  assetsPerPage?: number;
  /** Pages of `GET /characters/{character_id}/wallet/journal`. @default 2 */
  walletJournalPages?: number;
  /** Journal entries per page (ESI's page holds 2500). @default 2500 */
  walletJournalPerPage?: number;
  /** Projects of `GET /corporations/{corporation_id}/projects` (cursor). @default 25 */
  projects?: number;
  /** Transactions of `GET /characters/{character_id}/wallet/transactions` (from_id). @default 120 */
  walletTransactions?: number;
  /** Transactions per answer. @default 50 */
  walletPageSize?: number;
}

const id = (ctx: EsiSimRouteContext, name: string): number => Number(ctx.params[name]) || 0;
const iso = (ms: number): string => new Date(ms).toISOString().replace(".000Z", "Z");

const RANGES = ["station", "region", "solarsystem", "1", "5", "10"] as const;
const JULY_17 = Date.UTC(2026, 6, 17);

/** Where a region's orders and assets sit: its trade hub, for the universe's regions. */
function hubOf(world: EsiSimWorld, regionId: number, h: number): [station: number, system: number] {
  const at = world.ids.region.indexOf(regionId);
  const i = at >= 0 ? at : h % world.ids.station.length;
  return [world.ids.station[i], world.ids.solar_system[i]];
}

interface OrderFilter {
  typeId?: number;
  side?: "buy" | "sell";
}

function orderFilter(query: URLSearchParams): OrderFilter {
  const type = query.get("type_id");
  const side = query.get("order_type");
  return {
    typeId: type === null ? undefined : Number(type),
    side: side === "buy" || side === "sell" ? side : undefined,
  };
}

function marketOrder(
  world: EsiSimWorld,
  regionId: number,
  index: number,
  version: number,
  filter: OrderFilter,
) {
  const h = filter.typeId === undefined
    ? mix(regionId * 7919 + index)
    : hash(regionId, filter.typeId, index);
  const [station, system] = hubOf(world, regionId, h);
  const typeId = filter.typeId ?? world.pick("inventory_type", h >>> 3);
  return {
    duration: 90,
    is_buy_order: filter.side ? filter.side === "buy" : (h & 1) === 1,
    issued: "2026-07-16T10:00:00Z",
    location_id: station,
    min_volume: 1,
    order_id: (filter.typeId === undefined ? 6_500_000_000 : 6_600_000_000 + typeId * 1000) +
      index,
    price: ((h % 1_000_000) + version * 100) / 100,
    range: RANGES[h % RANGES.length],
    system_id: system,
    type_id: typeId,
    volume_remain: 1 + ((h >>> 8) + version) % 1000,
    volume_total: 1000,
  };
}

function asset(world: EsiSimWorld, characterId: number, index: number, version: number) {
  const h = mix(characterId + index);
  return {
    is_blueprint_copy: false,
    is_singleton: false,
    item_id: 1_000_000_000_000 + (characterId % 100_000) * 100_000 + index,
    location_flag: "Hangar",
    location_id: world.pick("station", h >>> 5),
    location_type: "station",
    quantity: 1 + (h % 500) + version - 1,
    type_id: world.pick("inventory_type", h >>> 3),
  };
}

function project(corporationId: number, index: number, version: number) {
  const h = mix(corporationId + index);
  const hex = (n: number) => n.toString(16).padStart(8, "0");
  return {
    id: `${hex(h)}-${hex(corporationId).slice(0, 4)}-4000-8000-${hex(index)}0000`,
    last_modified: iso(Date.UTC(2026, 0, 1) + index * 3_600_000),
    name: `Project ${index + 1}`,
    progress: { current: (h % 100) + version - 1, desired: 100 },
    reward: { initial: 1_000_000, remaining: 1_000_000 - (h % 100) * 10_000 },
    state: "Active",
  };
}

function transaction(world: EsiSimWorld, characterId: number, index: number, version: number) {
  const h = mix(characterId * 31 + index);
  return {
    client_id: world.pick("character", h >>> 4),
    date: iso(JULY_17 - index * 600_000),
    is_buy: (h & 1) === 1,
    is_personal: true,
    journal_ref_id: 20_000_000_000 - index * 2,
    location_id: world.pick("station", h >>> 6),
    quantity: 1 + (h % 100),
    transaction_id: 5_000_000_000 - index,
    type_id: world.pick("inventory_type", h >>> 3),
    unit_price: ((h % 100_000) + (version - 1) * 100) / 100,
  };
}

// Ids outside the universe still resolve by ESI's id ranges, under a made-up name.
const CATEGORIES: [from: number, to: number, category: string][] = [
  [1, 499_999, "inventory_type"],
  [500_000, 599_999, "faction"],
  [1_000_000, 1_999_999, "corporation"],
  [3_000_000, 3_999_999, "character"],
  [10_000_000, 10_999_999, "region"],
  [20_000_000, 20_999_999, "constellation"],
  [30_000_000, 30_999_999, "solar_system"],
  [60_000_000, 64_999_999, "station"],
  [90_000_000, 97_999_999, "character"],
  [98_000_000, 98_999_999, "corporation"],
  [99_000_000, 99_999_999, "alliance"],
  [2_100_000_000, 2_147_483_647, "character"],
];

/**
 * Resolves an id as `POST /universe/names` does.
 *
 * @param world The universe.
 * @param n The id.
 * @returns The name and category, or `undefined` for an id nothing has.
 */
export function resolveName(
  world: EsiSimWorld,
  n: number,
): { id: number; name: string; category: string } | undefined {
  const known = world.entity(n);
  if (known) return { category: known.category, id: n, name: known.name };
  const range = CATEGORIES.find(([from, to]) => n >= from && n <= to);
  if (!range) return undefined;
  const category = range[2];
  const label = category.replace("_", " ").replace(/^./, (c) => c.toUpperCase());
  return { category, id: n, name: `${label} ${n}` };
}

function names(world: EsiSimWorld, body: unknown) {
  if (
    !Array.isArray(body) || body.length < 1 || body.length > 1000 ||
    !body.every((n) => Number.isInteger(n)) || new Set(body).size !== body.length
  ) {
    throw new EsiSimError(400, "Body must be an array of 1 to 1000 unique integer ids");
  }
  const resolved = body.map((n) => resolveName(world, n));
  if (resolved.some((r) => !r)) {
    throw new EsiSimError(404, "Ensure all IDs are valid before resolving.");
  }
  return resolved;
}

// `POST /universe/ids` groups what it found by category, under these keys.
const ID_GROUPS: Record<string, string> = {
  alliance: "alliances",
  character: "characters",
  constellation: "constellations",
  corporation: "corporations",
  faction: "factions",
  inventory_type: "inventory_types",
  region: "regions",
  solar_system: "systems",
  station: "stations",
};

function ids(world: EsiSimWorld, body: unknown) {
  if (
    !Array.isArray(body) || body.length < 1 || body.length > 500 ||
    !body.every((n) => typeof n === "string" && n.length >= 1 && n.length <= 100) ||
    new Set(body).size !== body.length
  ) {
    throw new EsiSimError(400, "Body must be an array of 1 to 500 unique names");
  }
  const out: Record<string, { id: number; name: string }[]> = {};
  for (const name of body as string[]) {
    const found = world.named(name);
    if (found) (out[ID_GROUPS[found.category]] ??= []).push({ id: found.id, name: found.name });
  }
  return out;
}

function affiliation(world: EsiSimWorld, body: unknown) {
  if (
    !Array.isArray(body) || body.length < 1 || body.length > 1000 ||
    !body.every((n) => Number.isInteger(n))
  ) {
    throw new EsiSimError(400, "Body must be an array of 1 to 1000 character ids");
  }
  return (body as number[]).map((characterId) => {
    const corporationId = world.corporationOf(characterId);
    const allianceId = world.allianceOf(corporationId);
    return {
      ...(allianceId === undefined ? {} : { alliance_id: allianceId }),
      character_id: characterId,
      corporation_id: corporationId,
    };
  });
}

const lastSegment = (path: string): string =>
  path.split("/").filter((s) => s && !s.startsWith("{")).pop() ?? "";

// Any operation's answer, generated from its response schema.
function schemaRoute(
  op: OperationMeta,
  world: EsiSimWorld,
  seed: number,
): EsiSimRoute | LazyPagesRoute {
  const meta = responses[op.key as OperationKey];
  const schema = meta.schema;
  if (!schema) return { status: meta.status };
  const gen = (ctx: EsiSimRouteContext): GenContext => ({
    world,
    params: ctx.params,
    segment: lastSegment(op.path),
  });
  const seedOf = (ctx: EsiSimRouteContext) =>
    hash(seed, op.key, ...Object.values(ctx.params), ctx.version);
  if (op.pagination === "x-pages") {
    return {
      pageCount: () => 1,
      page: (ctx, n) => generate(schema, gen(ctx), hash(seedOf(ctx), n)) as unknown[],
    };
  }
  if (op.pagination === "cursor") {
    const listing = resolveSchema(schema);
    const [key, records] = Object.entries(listing.properties ?? {}).find(([k]) => k !== "cursor")!;
    return {
      recordsKey: key,
      records: (ctx) =>
        Array.from({ length: 25 }, (_, i) => generateItem(records, gen(ctx), hash(seedOf(ctx), i))),
    };
  }
  if (op.pagination === "from_id") {
    return {
      records: (ctx) =>
        Array.from({ length: 50 }, (_, i) => ({
          ...generateItem(schema, gen(ctx), hash(seedOf(ctx), i)) as object,
          transaction_id: 5_000_000_000 - i,
        })),
    };
  }
  return { status: meta.status, body: (ctx) => generate(schema, gen(ctx), seedOf(ctx)) as object };
}

/**
 * The built-in routes of every operation, sized by the options.
 *
 * @param options The seed and the sizes.
 * @returns The route scripts, by operation.
 */
export function builtinRoutes(
  options: EsiSimDataOptions = {},
): Map<OperationKey, EsiSimRoute | LazyPagesRoute> {
  const {
    seed = 1,
    marketPages = 3,
    ordersPerPage = 1000,
    assetPages = 2,
    assetsPerPage = 1000,
    walletJournalPages = 2,
    walletJournalPerPage = 2500,
    projects = 25,
    walletTransactions = 120,
    walletPageSize = 50,
  } = options;
  const world = new EsiSimWorld(seed);
  const routes = new Map<OperationKey, EsiSimRoute | LazyPagesRoute>();
  for (const op of Object.values(operations) as OperationMeta[]) {
    routes.set(op.key as OperationKey, schemaRoute(op, world, seed));
  }
  const pages = (
    count: number,
    perPage: number,
    param: string,
    make: (owner: number, index: number, version: number) => unknown,
  ): LazyPagesRoute => ({
    pageCount: () => count,
    page: (ctx, n) =>
      Array.from(
        { length: perPage },
        (_, i) => make(id(ctx, param), (n - 1) * perPage + i, ctx.version),
      ),
  });
  const journalEntry = responses["GET /characters/{character_id}/wallet/journal"].schema!;
  const entryContext = (ctx: EsiSimRouteContext): GenContext => ({
    world,
    params: ctx.params,
    segment: "journal",
  });
  const entries = [
    ["GET /status", {
      body: (ctx: EsiSimRouteContext) => ({
        players: 20_000 + mix(ctx.version) % 15_000,
        server_version: "3081347",
        start_time: "2026-07-17T11:02:10Z",
      }),
    }],
    [
      "GET /markets/{region_id}/orders",
      {
        // A type's book fits one page; a side of the region's book has all the pages.
        pageCount: (ctx) => orderFilter(ctx.query).typeId === undefined ? marketPages : 1,
        page: (ctx, n) => {
          const filter = orderFilter(ctx.query);
          const region = id(ctx, "region_id");
          let length = ordersPerPage;
          if (filter.typeId !== undefined) {
            const known = world.entity(filter.typeId)?.category === "inventory_type";
            length = known ? Math.min(ordersPerPage, 5 + hash(region, filter.typeId) % 20) : 0;
          }
          return Array.from(
            { length },
            (_, i) => marketOrder(world, region, (n - 1) * ordersPerPage + i, ctx.version, filter),
          );
        },
      } satisfies LazyPagesRoute,
    ],
    [
      "GET /characters/{character_id}/assets",
      pages(assetPages, assetsPerPage, "character_id", (c, i, v) => asset(world, c, i, v)),
    ],
    [
      "GET /characters/{character_id}/wallet/journal",
      {
        pageCount: () => walletJournalPages,
        page: (ctx, n) =>
          Array.from({ length: walletJournalPerPage }, (_, i) => {
            const index = (n - 1) * walletJournalPerPage + i;
            const entry = generateItem(
              journalEntry,
              entryContext(ctx),
              hash(seed, id(ctx, "character_id"), index, ctx.version),
            );
            // Newest first, one entry every ten minutes, ids descending.
            return {
              ...entry as object,
              date: iso(JULY_17 - index * 600_000),
              id: 20_000_000_000 - index,
            };
          }),
      } satisfies LazyPagesRoute,
    ],
    ["GET /corporations/{corporation_id}/projects", {
      recordsKey: "projects",
      records: (ctx: EsiSimRouteContext) =>
        Array.from(
          { length: projects },
          (_, i) => project(id(ctx, "corporation_id"), i, ctx.version),
        ),
    }],
    ["GET /characters/{character_id}/wallet/transactions", {
      pageSize: walletPageSize,
      records: (ctx: EsiSimRouteContext) =>
        Array.from(
          { length: walletTransactions },
          (_, i) => transaction(world, id(ctx, "character_id"), i, ctx.version),
        ),
    }],
    ["POST /universe/names", { body: (ctx: EsiSimRouteContext) => names(world, ctx.body) }],
    ["POST /universe/ids", { body: (ctx: EsiSimRouteContext) => ids(world, ctx.body) }],
    ["POST /characters/affiliation", {
      body: (ctx: EsiSimRouteContext) => affiliation(world, ctx.body),
    }],
  ] as [OperationKey, EsiSimRoute | LazyPagesRoute][];
  for (const [key, route] of entries) routes.set(key, route);
  return routes;
}
