/**
 * Errors of the wire and of pagination: a timeout, a network failure, an
 * abort, an unusable answer, an incomplete walk.
 *
 * @module
 */

import { EsiError } from "./base.ts";

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
  /** The page count ESI reported, when it was more than `maxPages`. */
  readonly pages?: number;

  /**
   * Creates the error.
   *
   * @param message What failed.
   * @param options `page`: the page to blame; `pages`: a page count over
   *   `maxPages`; `cause`: the underlying failure.
   */
  constructor(message: string, options?: ErrorOptions & { page?: number; pages?: number }) {
    super("ERR_PAGINATION", message, options);
    this.page = options?.page;
    this.pages = options?.pages;
  }
}
