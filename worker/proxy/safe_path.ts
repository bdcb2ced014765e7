/**
 * Refusing ESI paths that could climb out of the route, smuggle another host
 * or confuse a proxy, before anything else looks at them. The check reads the
 * request target as the runtime received it (Deno and workerd keep `%2e%2e`,
 * `//` and backslashes as sent), not a normalised URL.
 *
 * @module
 */

/** A path that passed: its decoded segments. */
export interface SafePath {
  ok: true;
  /** The decoded segments, without the leading empty one. */
  segments: string[];
}

/** A request's raw path and query. */
export interface RequestTarget {
  /** The path as received, e.g. `/esi/%2e%2e/status`. */
  path: string;
  /** The query with its `?`, or `""`. */
  query: string;
}

/** A path that was refused, and why. */
export interface UnsafePath {
  ok: false;
  /** Why, in a sentence fragment. */
  problem: string;
}

// Control characters, space and DEL, in raw or decoded form: matching them is the point.
// deno-lint-ignore no-control-regex
const control = /[\x00-\x20\x7f]/;

/**
 * Reads the raw path and query of a request URL without normalising it.
 *
 * @param url The request URL as the runtime gives it (`request.url`).
 * @returns The path and the query (with its `?`, or `""`).
 * @example
 * ```ts
 * import { rawTarget } from "./safe_path.ts";
 * rawTarget("http://h/esi/%2e%2e/status?x=1"); // { path: "/esi/%2e%2e/status", query: "?x=1" }
 * ```
 */
export function rawTarget(url: string): RequestTarget {
  const scheme = url.indexOf("://");
  const start = url.indexOf("/", scheme === -1 ? 0 : scheme + 3);
  if (start === -1) return { path: "/", query: "" };
  let end = url.length;
  const hash = url.indexOf("#", start);
  if (hash !== -1) end = hash;
  const q = url.indexOf("?", start);
  if (q !== -1 && q < end) return { path: url.slice(start, q), query: url.slice(q, end) };
  return { path: url.slice(start, end), query: "" };
}

/**
 * Checks the part of a path after the `/esi` prefix: no `.` or `..` segment
 * (plain or percent-encoded), no empty segment (`//`), no backslash, no
 * control character, no encoded slash, no scheme or user-info (`http:`,
 * `@`), no double encoding. What passes can only name a route segment by
 * segment, and the module re-encodes every parameter it sends.
 *
 * @param raw The raw path after the prefix, e.g. `/markets/10000002/orders`.
 * @returns The decoded segments, or the problem.
 * @example
 * ```ts
 * import { checkEsiPath } from "./safe_path.ts";
 * checkEsiPath("/markets/10000002/orders"); // { ok: true, segments: ["markets", "10000002", "orders"] }
 * checkEsiPath("/..%2fadmin").ok; // false
 * ```
 */
export function checkEsiPath(raw: string): SafePath | UnsafePath {
  if (!raw.startsWith("/") || raw === "/") return { ok: false, problem: "the path names no route" };
  if (control.test(raw)) return { ok: false, problem: "the path has a control character" };
  if (raw.includes("\\")) return { ok: false, problem: "the path has a backslash" };
  const segments: string[] = [];
  for (const part of raw.slice(1).split("/")) {
    if (part === "") return { ok: false, problem: "the path has an empty segment" };
    let segment: string;
    try {
      segment = decodeURIComponent(part);
    } catch {
      return { ok: false, problem: "the path has a malformed percent-encoding" };
    }
    if (segment === "." || segment === "..") {
      return { ok: false, problem: 'the path has a "." or ".." segment' };
    }
    if (control.test(segment)) return { ok: false, problem: "the path has a control character" };
    if (/[/\\%:@]/.test(segment)) {
      return {
        ok: false,
        problem: "a path segment holds an encoded slash, backslash, percent sign, colon or @",
      };
    }
    segments.push(segment);
  }
  return { ok: true, segments };
}
