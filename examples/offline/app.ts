/**
 * The app under test: a pilot's summary from ESI — who they are, their
 * corporation, how many items they own, and the best Tritanium price in
 * The Forge. It takes an `EsiClient`, so a test can hand it one whose
 * `fetch` is the simulator's.
 *
 * @module
 */

import type { EsiClient } from "@esikit/esi";

/** What the app shows for a pilot. */
export interface PilotSummary {
  /** The character's name. */
  name: string;
  /** Their corporation's name. */
  corporation: string;
  /** Items in their assets, every page. */
  items: number;
  /** The lowest sell price of Tritanium in The Forge, in ISK. */
  tritanium: number;
}

/**
 * Builds the summary with a character-bound client.
 *
 * @param me A client holding the character's token.
 * @param characterId The character.
 * @returns The summary.
 */
export async function pilotSummary(me: EsiClient, characterId: number): Promise<PilotSummary> {
  const character = await me.get("/characters/{character_id}", {
    path: { character_id: characterId },
  });
  const corporation = await me.get("/corporations/{corporation_id}", {
    path: { corporation_id: character.corporation_id },
  });
  const assets = await me.all("/characters/{character_id}/assets", {
    path: { character_id: characterId },
  });
  const sells = await me.all("/markets/{region_id}/orders", {
    path: { region_id: 10000002 },
    query: { order_type: "sell", type_id: 34 },
  });
  return {
    name: character.name,
    corporation: corporation.name,
    items: assets.length,
    tritanium: Math.min(...sells.map((o) => o.price)),
  };
}
