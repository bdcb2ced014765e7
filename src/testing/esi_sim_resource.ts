/**
 * The versions of a simulated route's resources: each keeps a
 * `Last-Modified` shared by all its pages, a cache window giving `Expires`,
 * and bodies serialised once per version with an ETag hashed from the bytes.
 * Internal to the ESI simulator.
 *
 * @module
 */

import { floorSecond } from "./esi_sim_dates.ts";
import type { EsiSimRoute, LazyPagesRoute } from "./esi_sim_script.ts";

/** A body serialised once, with its ETag. */
export interface Prepared {
  /** The JSON bytes. */
  bytes: Uint8Array<ArrayBuffer>;
  /** The same bytes as a Blob: a Response takes a Blob without copying it. */
  blob: Blob;
  /** The strong ETag, quoted. */
  etag: string;
}

/** What the content layer decided to answer. */
export type Answer =
  | {
    kind: "body";
    status: number;
    prepared?: Prepared;
    /** The X-Pages count, on paged routes. */
    pages?: number;
    /** The page served, on paged routes. */
    page?: number;
    /** The resource version answered, for GETs: its dates become the cache headers. */
    version?: ResourceVersion;
    /** Whether this call opened a new version or cache window. */
    miss: boolean;
  }
  | { kind: "error"; status: number; error: string };

/** The dates of one resource version's cache window, as answered. */
export interface ResourceVersion {
  /** `Last-Modified`. */
  lastModified: number;
  /** When the cache window opened (whole seconds). */
  windowStart: number;
  /** `Expires`. */
  expires: number;
}

/** One resource's current version and cache window. */
export class Resource {
  /** The route generation the version belongs to. */
  gen = -1;
  /** `Last-Modified`, shared by every page of the version. */
  lastModified = -Infinity;
  /** When the cache window opened (whole seconds). */
  windowStart = 0;
  /** The window's length, in milliseconds. */
  windowMs = 0;
  /** Bodies of this version, by page or cursor position. */
  prepared = new Map<string, Promise<Prepared>>();
  /** The evaluated `pages`/`records` of this version. */
  data?: Promise<readonly unknown[]>;

  /** `Expires`. */
  get expires(): number {
    return this.windowStart + this.windowMs;
  }

  /**
   * Brings the resource up to date for a call.
   *
   * @param now The time.
   * @param cacheAgeS The cache lifetime, in seconds.
   * @param gen The route's generation.
   * @returns Whether a new version or cache window opened (a cache MISS).
   */
  touch(now: number, cacheAgeS: number, gen: number): boolean {
    if (this.gen !== gen) {
      this.gen = gen;
      // Strictly later, even within one second of fake time, so that a
      // turnover is always visible in Last-Modified.
      this.lastModified = Math.max(floorSecond(now), this.lastModified + 1000);
      this.prepared.clear();
      this.data = undefined;
    } else if (cacheAgeS > 0 && now < this.expires) {
      return false;
    }
    this.windowStart = floorSecond(now);
    this.windowMs = Math.max(0, cacheAgeS) * 1000;
    return true;
  }
}

/** A route's script, version generation, resources and faults. */
export class RouteState {
  /** What the route answers; `undefined` for the default answer. */
  script?: EsiSimRoute | LazyPagesRoute;
  /** Bumped by every change of the route's content. */
  gen = 0;
  /** The route's resources, by path, query and character. */
  resources = new Map<string, Resource>();
}

const encoder = new TextEncoder();

/**
 * Serialises a value and hashes it into a strong ETag.
 *
 * @param value The JSON value.
 * @returns The bytes and the ETag.
 */
export async function prepare(value: unknown): Promise<Prepared> {
  const bytes = encoder.encode(JSON.stringify(value));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let hex = "";
  for (let i = 0; i < 16; i++) hex += digest[i].toString(16).padStart(2, "0");
  return { bytes, blob: new Blob([bytes]), etag: `"${hex}"` };
}

/** A version's body for a key, made once; a failed make is tried again. */
export function cached(
  resource: Resource,
  key: string,
  make: () => Promise<Prepared>,
): Promise<Prepared> {
  let prepared = resource.prepared.get(key);
  if (!prepared) {
    const made = prepared = make();
    resource.prepared.set(key, made);
    // A failed script is tried again on the next call.
    made.catch(() => resource.prepared.get(key) === made && resource.prepared.delete(key));
  }
  return prepared;
}

/** A version's evaluated records, made once; a failed make is tried again. */
export function data(
  resource: Resource,
  make: () => Promise<readonly unknown[]>,
): Promise<readonly unknown[]> {
  if (!resource.data) {
    const made = resource.data = make();
    made.catch(() => {
      if (resource.data === made) resource.data = undefined;
    });
  }
  return resource.data;
}
