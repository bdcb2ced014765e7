/**
 * Request signatures for the esikit gateway: the canonical string, signing
 * (HMAC-SHA256 with an API key's secret) and verification. Clients sign with
 * `new EsiClient({ baseUrl, apiKey, apiSecret })`; import from here to sign
 * or verify requests yourself.
 *
 * @example Sign a request for the gateway
 * ```ts
 * import { signRequest } from "@esikit/esi/signing";
 *
 * const signed = await signRequest(new Request("http://127.0.0.1:8787/esi/status"), {
 *   apiKey: "my-app",
 *   apiSecret: "a secret of at least thirty-two characters",
 * });
 * signed.headers.get("X-Signature");
 * ```
 *
 * @module
 */

export * from "./canonical.ts";
export * from "./sign.ts";
export * from "./verify.ts";
