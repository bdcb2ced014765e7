/**
 * Bounded label values for metrics and span names: route templates, known
 * methods and statuses, short identifiers — never a URL, an id or a token.
 * Internal to `src/observe/`.
 *
 * @module
 */

const OTHER = "other";
const methods = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]);

/**
 * The route as a label: a template passes as it is; a path the spec does not
 * know has its numeric segments replaced, so ids never become label values.
 *
 * @param route The event's route.
 * @returns The route template, a path with `{id}` for numbers, or `"other"`.
 */
export function routeLabel(route: string): string {
  const end = route.search(/[?#]/);
  const path = end < 0 ? route : route.slice(0, end);
  if (!path.startsWith("/") || path.length > 200) return OTHER;
  return /\/\d/.test(path) ? path.replace(/\/\d+(?=\/|$)/g, "/{id}") : path;
}

/**
 * The method as a label.
 *
 * @param method The HTTP method.
 * @returns It in upper case when it is a standard method, else `"other"`.
 */
export function methodLabel(method: string): string {
  const upper = method.toUpperCase();
  return methods.has(upper) ? upper : OTHER;
}

/**
 * The status as a label.
 *
 * @param status The HTTP status.
 * @returns It as text when it is a valid status, else `"other"`.
 */
export function statusLabel(status: number): string {
  return Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : OTHER;
}

/**
 * A short value that matches a pattern, or `"other"`.
 *
 * @param value The value.
 * @param pattern What a value must look like.
 * @returns The value, or `"other"`.
 */
export function boundedLabel(value: string | undefined, pattern: RegExp): string {
  return value !== undefined && value.length <= 64 && pattern.test(value) ? value : OTHER;
}

/** An identifier: a group, a store, an outcome, an error name. */
export const identifier: RegExp = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/**
 * An error's code (`ERR_TIMEOUT`) when it has one, else its name.
 *
 * @param error The error.
 * @returns A bounded label.
 */
export function errorCodeLabel(error: Error): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && /^[A-Z][A-Z0-9_]*$/.test(code) && code.length <= 64) return code;
  return boundedLabel(error.name, identifier);
}
