// Transitional: the client moved to src/client/ and src/pipeline/; the last
// importers are rewritten once parallel work has landed.
export * from "./client/options.ts";
export { EsiClient } from "./client/client.ts";
export { storedEntryOf } from "./pipeline/answer.ts";
