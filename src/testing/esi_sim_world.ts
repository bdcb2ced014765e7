/**
 * The simulator's small, deterministic New Eden: regions, systems, stations,
 * types, factions, corporations, alliances and characters with their names,
 * so that the ids the simulator answers resolve — a character's corporation
 * exists, an order's type is a type of `/universe/types`, a name in
 * `POST /universe/names` is the name its own route answers. Player names and
 * memberships follow the seed; the rest is EVE's own.
 *
 * @module
 */

/** The kinds of thing an id names, as `POST /universe/names` categorises them. */
export type EsiSimKind =
  | "alliance"
  | "character"
  | "constellation"
  | "corporation"
  | "faction"
  | "inventory_type"
  | "region"
  | "solar_system"
  | "station";

/** One thing with an id and a name. */
export interface EsiSimEntity {
  /** Its id. */
  id: number;
  /** Its name. */
  name: string;
  /** What it is. */
  category: EsiSimKind;
}

/**
 * A 32-bit integer hash: deterministic variety without a random source.
 *
 * @param n The input.
 * @returns A hash in 0..2^32-1.
 */
export function mix(n: number): number {
  let h = Math.imul((n | 0) ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Hashes several numbers and strings into one.
 *
 * @param parts The inputs.
 * @returns A hash in 0..2^32-1.
 */
export function hash(...parts: readonly (number | string)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = String(part);
    for (let i = 0; i < text.length; i++) h = mix(h ^ text.charCodeAt(i));
    h = mix(h ^ 0x2f);
  }
  return h;
}

type Row = [id: number, name: string];

const REGIONS: Row[] = [
  [10000002, "The Forge"],
  [10000043, "Domain"],
  [10000032, "Sinq Laison"],
  [10000030, "Heimatar"],
  [10000042, "Metropolis"],
];
const CONSTELLATIONS: Row[] = [
  [20000020, "Kimotoro"],
  [20000322, "Throne Worlds"],
  [20000389, "Coriault"],
  [20000367, "Ortner"],
  [20000307, "Hed"],
];
const SYSTEMS: Row[] = [
  [30000142, "Jita"],
  [30002187, "Amarr"],
  [30002659, "Dodixie"],
  [30002510, "Rens"],
  [30002053, "Hek"],
];
const STATIONS: Row[] = [
  [60003760, "Jita IV - Moon 4 - Caldari Navy Assembly Plant"],
  [60008494, "Amarr VIII (Oris) - Emperor Family Academy"],
  [60011866, "Dodixie IX - Moon 20 - Federation Navy Assembly Plant"],
  [60004588, "Rens VI - Moon 8 - Brutor Tribe Treasury"],
  [60005686, "Hek VIII - Moon 12 - Boundless Creation Factory"],
];
const TYPES: Row[] = [
  [34, "Tritanium"],
  [35, "Pyerite"],
  [36, "Mexallon"],
  [37, "Isogen"],
  [38, "Nocxium"],
  [39, "Zydrine"],
  [40, "Megacyte"],
  [11399, "Morphite"],
  [16272, "Heavy Water"],
  [16273, "Liquid Ozone"],
  [587, "Rifter"],
  [603, "Merlin"],
  [626, "Vexor"],
  [24698, "Drake"],
  [17738, "Machariel"],
  [670, "Capsule"],
  [2048, "Damage Control II"],
  [3841, "Large Shield Extender II"],
  [12058, "Medium Armor Repairer II"],
  [2203, "Acolyte I"],
  [44992, "PLEX"],
  [40520, "Large Skill Injector"],
];
const FACTIONS: Row[] = [
  [500001, "Caldari State"],
  [500002, "Minmatar Republic"],
  [500003, "Amarr Empire"],
  [500004, "Gallente Federation"],
];
const NPC_CORPORATIONS: Row[] = [
  [1000035, "Caldari Navy"],
  [1000051, "Republic Fleet"],
  [1000084, "Amarr Navy"],
  [1000120, "Federation Navy"],
];

const SYLLABLES = ["ka", "ri", "to", "vel", "an", "dor", "mi", "sa", "ul", "tek", "zo", "ra"];
const word = (h: number, n: number): string => {
  let out = "";
  for (let i = 0; i < n; i++) out += SYLLABLES[(h >>> (i * 4)) % SYLLABLES.length];
  return out[0].toUpperCase() + out.slice(1);
};

/** The character the SSO simulator logs in by default. */
export const DEFAULT_CHARACTER: Row = [2112625428, "Some Bloke"];

/**
 * The simulator's universe for one seed.
 *
 * @example
 * ```ts ignore
 * const world = new EsiSimWorld(1);
 * world.entity(world.corporationOf(2112625428))?.name;
 * ```
 */
export class EsiSimWorld {
  readonly #byId = new Map<number, EsiSimEntity>();
  readonly #byName = new Map<string, EsiSimEntity>();
  /** The ids of each kind, in a fixed order. */
  readonly ids: Readonly<Record<EsiSimKind, readonly number[]>>;

  /**
   * Builds the universe.
   *
   * @param seed Varies player names and memberships.
   */
  constructor(readonly seed: number) {
    const corporations: Row[] = [...NPC_CORPORATIONS];
    for (let i = 1; i <= 12; i++) {
      const h = hash(seed, "corporation", i);
      corporations.push([
        98_000_000 + i,
        `${word(h, 2)} ${["Industries", "Holdings", "Mining"][h % 3]}`,
      ]);
    }
    const alliances: Row[] = [];
    for (let i = 1; i <= 4; i++) {
      alliances.push([99_000_000 + i, `${word(hash(seed, "alliance", i), 3)} Alliance`]);
    }
    const characters: Row[] = [DEFAULT_CHARACTER];
    for (let i = 1; i <= 40; i++) {
      const h = hash(seed, "character", i);
      characters.push([90_000_000 + i, `${word(h, 2)} ${word(h >>> 8, 3)}`]);
    }
    const rows: Record<EsiSimKind, Row[]> = {
      alliance: alliances,
      character: characters,
      constellation: CONSTELLATIONS,
      corporation: corporations,
      faction: FACTIONS,
      inventory_type: TYPES,
      region: REGIONS,
      solar_system: SYSTEMS,
      station: STATIONS,
    };
    const ids = {} as Record<EsiSimKind, number[]>;
    for (const [category, list] of Object.entries(rows) as [EsiSimKind, Row[]][]) {
      ids[category] = list.map(([id]) => id);
      for (const [id, name] of list) {
        const entity = { id, name, category };
        this.#byId.set(id, entity);
        this.#byName.set(name.toLowerCase(), entity);
      }
    }
    this.ids = ids;
  }

  /**
   * The thing an id names, when the universe has it.
   *
   * @param id The id.
   * @returns The entity, or `undefined`.
   */
  entity(id: number): EsiSimEntity | undefined {
    return this.#byId.get(id);
  }

  /**
   * The thing a name names (case-insensitive), as `POST /universe/ids` finds it.
   *
   * @param name The name.
   * @returns The entity, or `undefined`.
   */
  named(name: string): EsiSimEntity | undefined {
    return this.#byName.get(name.toLowerCase());
  }

  /**
   * An id of a kind, picked by a hash.
   *
   * @param kind The kind.
   * @param h The hash.
   * @returns One of the kind's ids.
   */
  pick(kind: EsiSimKind, h: number): number {
    const list = this.ids[kind];
    return list[h % list.length];
  }

  /**
   * The player corporation a character belongs to (any character id has one).
   *
   * @param characterId The character.
   * @returns The corporation's id.
   */
  corporationOf(characterId: number): number {
    const players = this.ids.corporation.slice(NPC_CORPORATIONS.length);
    return players[hash(this.seed, "member", characterId) % players.length];
  }

  /**
   * The alliance a corporation belongs to; one in three has none.
   *
   * @param corporationId The corporation.
   * @returns The alliance's id, or `undefined`.
   */
  allianceOf(corporationId: number): number | undefined {
    const h = hash(this.seed, "alliance-of", corporationId);
    if (corporationId < 98_000_000 || h % 3 === 0) return undefined;
    return this.pick("alliance", h >>> 4);
  }

  /**
   * The characters of a corporation, among the universe's characters.
   *
   * @param corporationId The corporation.
   * @returns Their ids.
   */
  membersOf(corporationId: number): number[] {
    return this.ids.character.filter((c) => this.corporationOf(c) === corporationId);
  }
}
