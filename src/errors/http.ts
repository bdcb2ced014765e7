/**
 * Errors of a call ESI refused, or that was refused before it was sent.
 *
 * @module
 */

import { EsiError, type EsiErrorCode } from "./base.ts";

/**
 * A call was refused before anything was sent: a missing or unknown path
 * parameter, a value of the wrong type, an invalid header, an unknown route.
 *
 * @example
 * ```ts
 * import { EsiRequestError } from "@esikit/esi";
 * const err = new EsiRequestError('Missing path parameter "region_id"');
 * err.code; // "ERR_INVALID_REQUEST"
 * ```
 */
export class EsiRequestError extends EsiError {
  /**
   * Creates the error.
   *
   * @param message What is wrong with the request.
   * @param options `cause`: the underlying failure.
   */
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_INVALID_REQUEST", message, options);
  }
}

/**
 * A call needs an SSO scope that the token does not carry. Raised before
 * anything is sent, so no error budget is spent.
 *
 * @example
 * ```ts
 * import { EsiScopeError } from "@esikit/esi";
 * const err = new EsiScopeError("GET /characters/{character_id}/assets", ["esi-assets.read_assets.v1"]);
 * err.missing; // ["esi-assets.read_assets.v1"]
 * ```
 */
export class EsiScopeError extends EsiError {
  /** The scopes the call needs and the token lacks. */
  readonly missing: readonly string[];
  /** The operation, as `"METHOD /route"`. */
  readonly operation: string;

  /**
   * Creates the error.
   *
   * @param operation The operation, as `"METHOD /route"`.
   * @param missing The scopes the token lacks.
   */
  constructor(operation: string, missing: readonly string[]) {
    super(
      "ERR_MISSING_SCOPE",
      `Cannot call "${operation}": the token lacks scope ${
        missing.map((s) => `"${s}"`).join(", ")
      }`,
    );
    this.operation = operation;
    this.missing = missing;
  }
}

/** What an HTTP error knows of the request and the answer. */
export interface EsiHttpErrorInit {
  /** The HTTP status ESI answered. */
  status: number;
  /** The request's method. */
  method: string;
  /** The request's URL, with any secret redacted. */
  url: string;
  /** ESI's `error` message from the body, when it sent one. */
  esiMessage?: string;
  /** The `X-Esi-Request-Id` of the response: CCP support asks for it. */
  requestId?: string;
  /** The response's headers. */
  headers?: Headers;
  /** The response body as text, when it was read. */
  body?: string;
  /** The underlying failure. */
  cause?: unknown;
}

const httpCodes: Record<number, EsiErrorCode> = {
  401: "ERR_UNAUTHORIZED",
  403: "ERR_FORBIDDEN",
  404: "ERR_NOT_FOUND",
  420: "ERR_ERROR_LIMIT",
  429: "ERR_RATE_LIMIT",
};

/**
 * ESI answered with an error status. `status`, ESI's own `error` message and
 * the `X-Esi-Request-Id` are at hand; the URL never holds a secret.
 *
 * @example
 * ```ts
 * import { EsiHttpError } from "@esikit/esi";
 * const err = EsiHttpError.from({ status: 404, method: "GET", url: "https://esi.evetech.net/characters/1", esiMessage: "Character not found" });
 * err.code; // "ERR_NOT_FOUND"
 * ```
 */
export class EsiHttpError extends EsiError {
  /** The HTTP status ESI answered. */
  readonly status: number;
  /** The request's method. */
  readonly method: string;
  /** The request's URL, with any secret redacted. */
  readonly url: string;
  /** ESI's `error` message, when the body had one. */
  readonly esiMessage?: string;
  /** The `X-Esi-Request-Id` of the response. */
  readonly requestId?: string;
  /** The response's headers. */
  readonly headers?: Headers;
  /** The response body as text, when it was read. */
  readonly body?: string;

  /**
   * Creates the error.
   *
   * @param code The failure's code.
   * @param init What is known of the request and the answer.
   */
  constructor(code: EsiErrorCode, init: EsiHttpErrorInit) {
    const detail = init.esiMessage ? `: ${init.esiMessage}` : "";
    const id = init.requestId ? ` (request id "${init.requestId}")` : "";
    super(
      code,
      `Cannot ${init.method} "${init.url}": ESI answered ${init.status}${detail}${id}`,
      { cause: init.cause },
    );
    this.status = init.status;
    this.method = init.method;
    this.url = init.url;
    this.esiMessage = init.esiMessage;
    this.requestId = init.requestId;
    this.headers = init.headers;
    this.body = init.body;
  }

  /**
   * Builds the subclass that fits the status: {@link EsiClientError} for 4xx
   * and {@link EsiServerError} for 5xx, with a precise `code` for 401, 403,
   * 404, 420 and 429.
   *
   * @param init What is known of the request and the answer.
   * @returns The error to throw.
   * @example
   * ```ts
   * import { EsiHttpError } from "@esikit/esi";
   * EsiHttpError.from({ status: 503, method: "GET", url: "https://esi.evetech.net/status" }).code; // "ERR_HTTP_SERVER"
   * ```
   */
  static from(init: EsiHttpErrorInit): EsiHttpError {
    if (init.status >= 500) return new EsiServerError(init);
    return new EsiClientError(init);
  }
}

/**
 * ESI answered 4xx: the request is wrong, unauthorised, or over a limit. Never
 * retried by the retry policy.
 *
 * @example
 * ```ts
 * import { EsiClientError } from "@esikit/esi";
 * const err = new EsiClientError({ status: 403, method: "GET", url: "https://esi.evetech.net/x" });
 * err.code; // "ERR_FORBIDDEN"
 * ```
 */
export class EsiClientError extends EsiHttpError {
  /**
   * Creates the error.
   *
   * @param init What is known of the request and the answer.
   */
  constructor(init: EsiHttpErrorInit) {
    super(httpCodes[init.status] ?? "ERR_HTTP_CLIENT", init);
  }
}

/**
 * ESI answered 5xx (520 included): a server-side failure, often transient.
 *
 * @example
 * ```ts
 * import { EsiServerError } from "@esikit/esi";
 * new EsiServerError({ status: 502, method: "GET", url: "https://esi.evetech.net/status" }).status; // 502
 * ```
 */
export class EsiServerError extends EsiHttpError {
  /**
   * Creates the error.
   *
   * @param init What is known of the request and the answer.
   */
  constructor(init: EsiHttpErrorInit) {
    super("ERR_HTTP_SERVER", init);
  }
}
