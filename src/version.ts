/**
 * esikit's version, sent in its `User-Agent` product token. Kept equal to
 * deno.json's `version` (a test checks).
 *
 * @example
 * ```ts
 * import { VERSION } from "@esikit/esi";
 * VERSION; // "0.1.0"
 * ```
 */
export const VERSION: string = "0.1.0";
