/**
 * The simulator's built-in, deterministic data for the routes tests use most:
 * server status, market orders (X-Pages), character assets (X-Pages, token),
 * corporation projects (cursor), wallet transactions (from_id) and name
 * resolution (POST). The same options, path and version always give the
 * same bytes; a new version changes prices, quantities and player counts.
 *
 * @module
 */

import type { OperationKey } from "../spec/operations.gen.ts";
import {
  EsiSimError,
  type EsiSimRoute,
  type EsiSimRouteContext,
  type LazyPagesRoute,
} from "./esi_sim_content.ts";

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
  /** Pages of `GET /markets/{region_id}/orders`. @default 3 */
  marketPages?: number;
  /** Orders per market page. @default 1000 */
  ordersPerPage?: number;
  /** Pages of `GET /characters/{character_id}/assets`. @default 2 */
  assetPages?: number;
  /** Assets per page. @default 50 */
  assetsPerPage?: number;
  /** Projects of `GET /corporations/{corporation_id}/projects` (cursor). @default 25 */
  projects?: number;
  /** Transactions of `GET /characters/{character_id}/wallet/transactions` (from_id). @default 120 */
  walletTransactions?: number;
  /** Transactions per answer. @default 50 */
  walletPageSize?: number;
}

// A 32-bit integer hash: deterministic variety without a random source.
function mix(n: number): number {
  let h = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const id = (ctx: EsiSimRouteContext, name: string): number => Number(ctx.params[name]) || 0;

const RANGES = ["station", "region", "solarsystem", "1", "5", "10"] as const;

function marketOrder(regionId: number, index: number, version: number) {
  const h = mix(regionId * 7919 + index);
  return {
    duration: 90,
    is_buy_order: (h & 1) === 1,
    issued: "2026-07-16T10:00:00Z",
    location_id: 60003760 + (h % 7),
    min_volume: 1,
    order_id: 6_500_000_000 + index,
    price: ((h % 1_000_000) + version * 100) / 100,
    range: RANGES[h % RANGES.length],
    system_id: 30000142,
    type_id: 34 + (h % 60),
    volume_remain: 1 + ((h >>> 8) + version) % 1000,
    volume_total: 1000,
  };
}

function asset(characterId: number, index: number, version: number) {
  const h = mix(characterId + index);
  return {
    is_blueprint_copy: false,
    is_singleton: false,
    item_id: 1_000_000_000_000 + (characterId % 100_000) * 100_000 + index,
    location_flag: "Hangar",
    location_id: 60003760,
    location_type: "station",
    quantity: 1 + (h % 500) + version - 1,
    type_id: 34 + (h % 40),
  };
}

function project(corporationId: number, index: number, version: number) {
  const h = mix(corporationId + index);
  const hex = (n: number) => n.toString(16).padStart(8, "0");
  return {
    id: `${hex(h)}-${hex(corporationId).slice(0, 4)}-4000-8000-${hex(index)}0000`,
    last_modified: new Date(Date.UTC(2026, 0, 1) + index * 3_600_000).toISOString().replace(
      ".000",
      "",
    ),
    name: `Project ${index + 1}`,
    progress: { current: (h % 100) + version - 1, desired: 100 },
    reward: { initial: 1_000_000, remaining: 1_000_000 - (h % 100) * 10_000 },
    state: "Active",
  };
}

function transaction(characterId: number, index: number, version: number) {
  const h = mix(characterId * 31 + index);
  return {
    client_id: 90_000_000 + (h % 1_000_000),
    date: new Date(Date.UTC(2026, 6, 17) - index * 600_000).toISOString().replace(".000", ""),
    is_buy: (h & 1) === 1,
    is_personal: true,
    journal_ref_id: 20_000_000_000 - index * 2,
    location_id: 60003760,
    quantity: 1 + (h % 100),
    transaction_id: 5_000_000_000 - index,
    type_id: 34 + (h % 60),
    unit_price: ((h % 100_000) + (version - 1) * 100) / 100,
  };
}

const KNOWN_NAMES: Record<number, string> = {
  34: "Tritanium",
  35: "Pyerite",
  10000002: "The Forge",
  30000142: "Jita",
  60003760: "Jita IV - Moon 4 - Caldari Navy Assembly Plant",
};

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
 * @param n The id.
 * @returns The name and category, or `undefined` for an id nothing has.
 */
export function resolveName(n: number): { id: number; name: string; category: string } | undefined {
  const range = CATEGORIES.find(([from, to]) => n >= from && n <= to);
  if (!range) return undefined;
  const category = range[2];
  const label = category.replace("_", " ").replace(/^./, (c) => c.toUpperCase());
  return { category, id: n, name: KNOWN_NAMES[n] ?? `${label} ${n}` };
}

function names(body: unknown) {
  if (
    !Array.isArray(body) || body.length < 1 || body.length > 1000 ||
    !body.every((n) => Number.isInteger(n)) || new Set(body).size !== body.length
  ) {
    throw new EsiSimError(400, "Body must be an array of 1 to 1000 unique integer ids");
  }
  const resolved = body.map(resolveName);
  if (resolved.some((r) => !r)) {
    throw new EsiSimError(404, "Ensure all IDs are valid before resolving.");
  }
  return resolved;
}

/**
 * The built-in routes, sized by the options.
 *
 * @param options The sizes.
 * @returns The route scripts, by operation.
 */
export function builtinRoutes(
  options: EsiSimDataOptions = {},
): Map<OperationKey, EsiSimRoute | LazyPagesRoute> {
  const {
    marketPages = 3,
    ordersPerPage = 1000,
    assetPages = 2,
    assetsPerPage = 50,
    projects = 25,
    walletTransactions = 120,
    walletPageSize = 50,
  } = options;
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
  return new Map<OperationKey, EsiSimRoute | LazyPagesRoute>([
    ["GET /status", {
      body: (ctx: EsiSimRouteContext) => ({
        players: 20_000 + mix(ctx.version) % 15_000,
        server_version: "3081347",
        start_time: "2026-07-17T11:02:10Z",
      }),
    }],
    [
      "GET /markets/{region_id}/orders",
      pages(marketPages, ordersPerPage, "region_id", marketOrder),
    ],
    [
      "GET /characters/{character_id}/assets",
      pages(assetPages, assetsPerPage, "character_id", asset),
    ],
    ["GET /corporations/{corporation_id}/projects", {
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
          (_, i) => transaction(id(ctx, "character_id"), i, ctx.version),
        ),
    }],
    ["POST /universe/names", { body: (ctx: EsiSimRouteContext) => names(ctx.body) }],
  ]);
}
