/**
 * The SSO's RFC 8414 metadata: where its endpoints are. Fetched once and kept;
 * concurrent first calls share one fetch, and a failed fetch is not kept.
 *
 * @module
 */

import { raceAbort } from "./abort.ts";
import { EsiAbortError } from "../errors.ts";
import { EsiSsoError } from "./errors.ts";
import { parseJsonObject, type SsoHttp, ssoRequest } from "./request.ts";

/** Where EVE SSO publishes its metadata. */
export const EVE_SSO_METADATA_URL =
  "https://login.eveonline.com/.well-known/oauth-authorization-server";

/**
 * The parts of the SSO's metadata (RFC 8414) that esikit uses.
 *
 * @example
 * ```ts
 * import type { SsoMetadata } from "@esikit/esi/sso";
 *
 * const eve: SsoMetadata = {
 *   issuer: "https://login.eveonline.com",
 *   authorizationEndpoint: "https://login.eveonline.com/v2/oauth/authorize",
 *   tokenEndpoint: "https://login.eveonline.com/v2/oauth/token",
 *   revocationEndpoint: "https://login.eveonline.com/v2/oauth/revoke",
 *   jwksUri: "https://login.eveonline.com/oauth/jwks",
 *   codeChallengeMethods: ["S256"],
 * };
 * ```
 */
export interface SsoMetadata {
  /** `issuer`. */
  issuer: string;
  /** `authorization_endpoint`. */
  authorizationEndpoint: string;
  /** `token_endpoint`. */
  tokenEndpoint: string;
  /** `revocation_endpoint`, when the SSO has one. */
  revocationEndpoint?: string;
  /** `jwks_uri`. */
  jwksUri: string;
  /** `code_challenge_methods_supported` (empty when not listed). */
  codeChallengeMethods: readonly string[];
}

/**
 * Reads the metadata once and keeps it.
 *
 * @example
 * ```ts ignore
 * const loader = new SsoMetadataLoader(EVE_SSO_METADATA_URL, { fetch, clock: systemClock, timeoutMs: 10_000 });
 * const { tokenEndpoint } = await loader.get();
 * ```
 */
export class SsoMetadataLoader {
  readonly #url: string;
  readonly #http: SsoHttp;
  #pending?: Promise<SsoMetadata>;

  /**
   * @param url The metadata document's URL.
   * @param http How to reach the SSO.
   */
  constructor(url: string, http: SsoHttp) {
    this.#url = url;
    this.#http = http;
  }

  /**
   * The metadata: fetched on the first call, kept after.
   *
   * @param signal Gives up waiting (the shared fetch goes on for others).
   * @returns The metadata.
   */
  get(signal?: AbortSignal): Promise<SsoMetadata> {
    if (!this.#pending) {
      const pending = this.#load();
      this.#pending = pending;
      // A failure is not kept: the next call tries again.
      pending.catch(() => {
        if (this.#pending === pending) this.#pending = undefined;
      });
    }
    if (!signal) return this.#pending;
    return raceAbort(this.#pending, signal).catch((err) => {
      throw signal.aborted ? new EsiAbortError("GET", this.#url, signal.reason) : err;
    });
  }

  async #load(): Promise<SsoMetadata> {
    const answer = await ssoRequest(this.#http, this.#url, { method: "GET" });
    if (answer.status !== 200) {
      throw new EsiSsoError(
        `Cannot fetch the SSO metadata from "${this.#url}": the SSO answered ${answer.status}`,
        { operation: "metadata", status: answer.status },
      );
    }
    const doc = parseJsonObject(answer.text);
    if (!doc) {
      throw new EsiSsoError(
        `Cannot read the SSO metadata from "${this.#url}": the body is not a JSON object`,
        { operation: "metadata", status: answer.status },
      );
    }
    const need = (name: string): string => {
      const value = doc[name];
      if (typeof value !== "string" || !URL.canParse(value) && name !== "issuer") {
        throw new EsiSsoError(
          `Cannot read the SSO metadata from "${this.#url}": "${name}" is missing or not a URL`,
          { operation: "metadata", status: answer.status },
        );
      }
      return value;
    };
    const revocation = doc["revocation_endpoint"];
    const methods = doc["code_challenge_methods_supported"];
    return {
      issuer: need("issuer"),
      authorizationEndpoint: need("authorization_endpoint"),
      tokenEndpoint: need("token_endpoint"),
      jwksUri: need("jwks_uri"),
      revocationEndpoint: typeof revocation === "string" && URL.canParse(revocation)
        ? revocation
        : undefined,
      codeChallengeMethods: Array.isArray(methods)
        ? methods.filter((m): m is string => typeof m === "string")
        : [],
    };
  }
}
