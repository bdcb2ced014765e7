/**
 * Transport: one try on the wire. The request goes out under its deadline
 * and the caller's abort; the body is read under the size cap and checked —
 * a JSON content type that parses, a page count that is a count — before
 * anything downstream (store, coalesced callers) may see it.
 *
 * @module
 */

import {
  EsiAbortError,
  type EsiError,
  EsiNetworkError,
  EsiResponseError,
  EsiTimeoutError,
} from "../errors.ts";
import { jsonSyntaxError } from "../http/json_syntax.ts";
import { readBody } from "../http/read_body.ts";
import { startDeadline } from "../http/timeout.ts";
import { redactUrl } from "../http/url.ts";
import type { Call, Shared } from "./types.ts";

/** What one try produced: ESI's checked answer, or why none could be used. */
export type Outcome =
  | { response: Response; body: Uint8Array; parsed?: { value: unknown } }
  | { failure: EsiError; transient: boolean; response?: Response };

const emptyBody = new Uint8Array(0);
const decoder = new TextDecoder();
// A media type is JSON when it is application/json or a +json suffix.
const jsonType = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/** Sends one try and reads its answer; never throws. */
export async function send(
  shared: Shared,
  call: Call,
  headers: Record<string, string>,
): Promise<Outcome> {
  const shown = redactUrl(call.url);
  const deadline = startDeadline(shared.clock, call.timeoutMs, call.signal);
  // Once ESI's headers have come, its limits learn from them whatever happens to the body.
  let response: Response | undefined;
  try {
    response = await shared.fetch(call.url, {
      method: call.method,
      headers,
      body: call.body,
      signal: deadline.signal,
    });
    const pages = response.headers.get("x-pages");
    if (pages !== null && !/^[1-9]\d*$/.test(pages.trim())) {
      await response.body?.cancel();
      return refuse(call, response, `X-Pages "${pages}" is not a page count`);
    }
    if (call.method === "HEAD" || response.status === 304 || response.status === 204) {
      await response.body?.cancel();
      return { response, body: emptyBody };
    }
    const body = await readBody(response, shared.maxBodyBytes);
    if (body === undefined) {
      return {
        ...refuse(
          call,
          response,
          `the body is larger than ${shared.maxBodyBytes} bytes (maxBodyBytes)`,
        ),
        transient: false,
      };
    }
    return check(call, response, body);
  } catch (error) {
    const failure = deadline.timedOut
      ? new EsiTimeoutError(call.method, shown, call.timeoutMs)
      : call.signal?.aborted
      ? new EsiAbortError(call.method, shown, call.signal.reason)
      : new EsiNetworkError(call.method, shown, error);
    return { failure, transient: failure.code !== "ERR_ABORTED", response };
  } finally {
    deadline.clear();
  }
}

/** An answer that cannot be used: a transient failure that keeps ESI's headers for the limits. */
function refuse(call: Call, response: Response, why: string, cause?: unknown): Outcome {
  const failure = new EsiResponseError(call.method, redactUrl(call.url), response.status, why, {
    cause,
  });
  return { failure, transient: true, response };
}

/**
 * The checks a successful answer must pass before it may be stored or
 * shared: its body is JSON (by type and by parse); its page count was
 * checked as soon as its headers came, 304 and HEAD included. Error answers are never stored, and their bodies are ESI's words,
 * read as they come.
 */
function check(call: Call, response: Response, body: Uint8Array): Outcome {
  const { status } = response;
  if (status < 200 || status >= 300) return { response, body };
  const type = response.headers.get("content-type");
  if (type !== null && !jsonType.test(type)) {
    return refuse(call, response, `the content type "${type}" is not JSON`);
  }
  if (call.raw) {
    // A raw caller passes the bytes on: their syntax is checked without
    // building the values (a market page's would be ~1 MB of garbage).
    if (!body.byteLength) return refuse(call, response, "the body is empty");
    const error = jsonSyntaxError(body);
    if (error) return refuse(call, response, `the body is not valid JSON (${error})`);
    return { response, body };
  }
  const text = decoder.decode(body);
  if (text === "") return refuse(call, response, "the body is empty");
  try {
    return { response, body, parsed: { value: JSON.parse(text) } };
  } catch (error) {
    const why = `the body is not valid JSON (${(error as Error).message})`;
    return refuse(call, response, why, error);
  }
}
