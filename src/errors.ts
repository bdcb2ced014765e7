/**
 * The error hierarchy. Every error esikit throws is an {@link EsiError} whose
 * `code` tells the failure apart without `instanceof`; the original failure,
 * when there is one, travels as `cause`.
 *
 * @module
 */

export * from "./errors/base.ts";
export * from "./errors/http.ts";
export * from "./errors/limits.ts";
export * from "./errors/transport.ts";
