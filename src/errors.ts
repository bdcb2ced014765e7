/**
 * The error hierarchy. Every error esikit throws is an {@link EsiError} whose
 * `code` tells the failure apart without `instanceof`; the original failure,
 * when there is one, travels as `cause`.
 *
 * @module
 */

/** Every failure esikit reports, as a stable string. */
export type EsiErrorCode =
  | "ERR_INVALID_REQUEST"
  | "ERR_MISSING_SCOPE"
  | "ERR_HTTP_CLIENT"
  | "ERR_HTTP_SERVER"
  | "ERR_UNAUTHORIZED"
  | "ERR_FORBIDDEN"
  | "ERR_NOT_FOUND"
  | "ERR_ERROR_LIMIT"
  | "ERR_RATE_LIMIT"
  | "ERR_CIRCUIT_OPEN"
  | "ERR_TIMEOUT"
  | "ERR_NETWORK"
  | "ERR_ABORTED"
  | "ERR_INVALID_RESPONSE"
  | "ERR_PAGINATION"
  | "ERR_SSO"
  | "ERR_TOKEN_INVALID"
  | "ERR_TOKEN_REVOKED"
  | "ERR_STORE";

/**
 * The base class of every error esikit throws.
 *
 * @example Telling failures apart by code
 * ```ts
 * import { EsiError } from "@esikit/esi";
 *
 * function describe(err: unknown): string {
 *   if (err instanceof EsiError && err.code === "ERR_ERROR_LIMIT") return "slow down";
 *   return String(err);
 * }
 * describe(new Error("x"));
 * ```
 */
export class EsiError extends Error {
  /** A stable identifier of the failure. */
  readonly code: EsiErrorCode;
  /** How many tries reached for ESI before the call failed (0: none was sent). */
  attempts = 0;

  /**
   * Creates the error.
   *
   * @param code The failure's code.
   * @param message A sentence-case message naming what failed, with values quoted.
   * @param options `cause`: the underlying failure.
   */
  constructor(code: EsiErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

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

/**
 * A call was held back, or refused, because ESI's error budget is spent or
 * about to be (policy `"throw"`), or ESI answered 420.
 *
 * @example
 * ```ts
 * import { EsiErrorLimitError } from "@esikit/esi";
 * const err = new EsiErrorLimitError(5, Date.now() + 30_000);
 * err.resetAt > Date.now(); // true
 * ```
 */
export class EsiErrorLimitError extends EsiError {
  /** The error budget left when the call was refused. */
  readonly remain: number;
  /** When the error-limit window resets, in epoch milliseconds. */
  readonly resetAt: number;

  /**
   * Creates the error.
   *
   * @param remain The error budget left.
   * @param resetAt When the window resets, in epoch milliseconds.
   */
  constructor(remain: number, resetAt: number) {
    super(
      "ERR_ERROR_LIMIT",
      `Cannot send the request: ESI's error budget is down to ${remain}; it resets at ${
        new Date(resetAt).toISOString()
      }`,
    );
    this.remain = remain;
    this.resetAt = resetAt;
  }
}

/**
 * A call was held back, or refused, because its route group's rate-limit
 * bucket is empty (policy `"throw"`), or ESI answered 429.
 *
 * @example
 * ```ts
 * import { EsiRateLimitError } from "@esikit/esi";
 * new EsiRateLimitError("market-order", Date.now() + 2_000).group; // "market-order"
 * ```
 */
export class EsiRateLimitError extends EsiError {
  /** The rate-limit group. */
  readonly group: string;
  /** When a token is next available, in epoch milliseconds. */
  readonly retryAt: number;

  /**
   * Creates the error.
   *
   * @param group The rate-limit group.
   * @param retryAt When a token is next available, in epoch milliseconds.
   */
  constructor(group: string, retryAt: number) {
    super(
      "ERR_RATE_LIMIT",
      `Cannot send the request: rate-limit group "${group}" is out of tokens until ${
        new Date(retryAt).toISOString()
      }`,
    );
    this.group = group;
    this.retryAt = retryAt;
  }
}

/**
 * ESI kept failing on this route group, so calls fail fast until one probe,
 * after `retryAt`, finds it answering again.
 *
 * @example
 * ```ts
 * import { EsiCircuitOpenError } from "@esikit/esi";
 * new EsiCircuitOpenError("market-order", Date.now() + 10_000).code; // "ERR_CIRCUIT_OPEN"
 * ```
 */
export class EsiCircuitOpenError extends EsiError {
  /** The route group (or route) whose circuit is open. */
  readonly group: string;
  /** When a probe may go, in epoch milliseconds. */
  readonly retryAt: number;

  /**
   * Creates the error.
   *
   * @param group The route group or route.
   * @param retryAt When a probe may go, in epoch milliseconds.
   */
  constructor(group: string, retryAt: number) {
    super(
      "ERR_CIRCUIT_OPEN",
      `Cannot send the request: ESI keeps failing on "${group}"; the next probe goes at ${
        new Date(retryAt).toISOString()
      }`,
    );
    this.group = group;
    this.retryAt = retryAt;
  }
}

/**
 * A request took longer than its timeout.
 *
 * @example
 * ```ts
 * import { EsiTimeoutError } from "@esikit/esi";
 * new EsiTimeoutError("GET", "https://esi.evetech.net/status", 10_000).timeoutMs; // 10000
 * ```
 */
export class EsiTimeoutError extends EsiError {
  /** The timeout that ran out, in milliseconds. */
  readonly timeoutMs: number;

  /**
   * Creates the error.
   *
   * @param method The request's method.
   * @param url The request's URL, with any secret redacted.
   * @param timeoutMs The timeout that ran out.
   */
  constructor(method: string, url: string, timeoutMs: number) {
    super("ERR_TIMEOUT", `Cannot ${method} "${url}": no answer within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The connection failed: refused, reset, or dropped mid-body.
 *
 * @example
 * ```ts
 * import { EsiNetworkError } from "@esikit/esi";
 * new EsiNetworkError("GET", "https://esi.evetech.net/status", new TypeError("reset")).code; // "ERR_NETWORK"
 * ```
 */
export class EsiNetworkError extends EsiError {
  /**
   * Creates the error.
   *
   * @param method The request's method.
   * @param url The request's URL, with any secret redacted.
   * @param cause The underlying failure.
   */
  constructor(method: string, url: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super("ERR_NETWORK", `Cannot ${method} "${url}": network failure: ${why}`, { cause });
  }
}

/**
 * The caller aborted the request through its `AbortSignal`.
 *
 * @example
 * ```ts
 * import { EsiAbortError } from "@esikit/esi";
 * new EsiAbortError("GET", "https://esi.evetech.net/status").code; // "ERR_ABORTED"
 * ```
 */
export class EsiAbortError extends EsiError {
  /**
   * Creates the error.
   *
   * @param method The request's method.
   * @param url The request's URL, with any secret redacted.
   * @param cause The abort reason.
   */
  constructor(method: string, url: string, cause?: unknown) {
    super("ERR_ABORTED", `Cannot ${method} "${url}": the request was aborted`, { cause });
  }
}

/**
 * ESI answered with a body that cannot be used: malformed or truncated JSON.
 *
 * @example
 * ```ts
 * import { EsiResponseError } from "@esikit/esi";
 * new EsiResponseError("GET", "https://esi.evetech.net/status", 200, "Unexpected end of JSON input").status; // 200
 * ```
 */
export class EsiResponseError extends EsiError {
  /** The HTTP status of the unusable response. */
  readonly status: number;

  /**
   * Creates the error.
   *
   * @param method The request's method.
   * @param url The request's URL, with any secret redacted.
   * @param status The HTTP status of the response.
   * @param why Why the body cannot be used.
   * @param options `cause`: the underlying failure.
   */
  constructor(method: string, url: string, status: number, why: string, options?: ErrorOptions) {
    super(
      "ERR_INVALID_RESPONSE",
      `Cannot read the answer to ${method} "${url}" (${status}): ${why}`,
      options,
    );
    this.status = status;
  }
}

/**
 * Pagination could not produce a whole, consistent result: a page failed, or
 * the resource kept changing between pages. esikit never returns part of a
 * result as if it were whole.
 *
 * @example
 * ```ts
 * import { EsiPaginationError } from "@esikit/esi";
 * new EsiPaginationError("Cannot fetch page 3 of \"/markets/10000002/orders\"").code; // "ERR_PAGINATION"
 * ```
 */
export class EsiPaginationError extends EsiError {
  /** The page that failed, when one page is to blame. */
  readonly page?: number;

  /**
   * Creates the error.
   *
   * @param message What failed.
   * @param options `page`: the page to blame; `cause`: the underlying failure.
   */
  constructor(message: string, options?: ErrorOptions & { page?: number }) {
    super("ERR_PAGINATION", message, options);
    this.page = options?.page;
  }
}
