/**
 * The shapes the pipeline's stages pass along: what a client shares with the
 * clients derived from it, its own settings, one prepared call, and what one
 * upstream exchange produced. Internal: none of it is exported from `mod.ts`.
 *
 * @module
 */

import type { CacheStore } from "../cache/store.ts";
import type { Clock } from "../clock.ts";
import type { EsiLanguage, TokenInput } from "../client/options.ts";
import type { Flights } from "../http/flights.ts";
import type { OperationMeta } from "../http/operation.ts";
import type { RetryPolicy } from "../http/retry.ts";
import type { ConcurrencyGate } from "../limits/concurrency.ts";
import type { Limits } from "../limits/limits.ts";
import type { CacheOutcome, CallInfo, Hooks } from "../observe/hooks.ts";

/** What a client shares with every client derived from it. */
export interface Shared {
  baseUrl: string;
  userAgent: string;
  fetch: typeof fetch;
  cache?: CacheStore;
  clock: Clock;
  hooks: Hooks;
  gate: ConcurrencyGate;
  limits: Limits;
  flights: Flights<Upstream>;
  keepStaleMs: number;
  maxBodyBytes: number;
  shareRawBytes: boolean;
  maxPages: number;
  storeTimeoutMs: number;
  gateway?: { apiKey: string; key: Promise<CryptoKey> };
}

/** A client's own settings; `with*()` derives a client with some changed. */
export interface Config {
  headers: Record<string, string>;
  timeoutMs: number;
  retry: Readonly<RetryPolicy>;
  compatibilityDate: string;
  language: EsiLanguage;
  tenant: string;
  token?: TokenInput;
}

/** A call, prepared: everything known before any I/O. */
export interface Call extends CallInfo {
  callId: number;
  operation?: OperationMeta;
  headers: Record<string, string>;
  body?: string;
  /** Whether the cache takes part (GET, a cache, no validators of the caller's). */
  cacheable: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  /** The first caller reads the body raw: the checks' parse is not kept for it. */
  raw?: boolean;
  /** One of a walk's many calls: the cache keeps its answer out of a memory tier. */
  scan?: boolean;
  /** Hooks of this call alone (a long call's progress counts its waits). */
  hooks?: Pick<Hooks, "limitWait">;
}

/**
 * What one upstream exchange produced, shared by every caller that coalesced
 * on it. Its body passed the transport's checks (size, JSON, page count).
 */
export interface Upstream {
  status: number;
  headers: Headers;
  /** The headers meta is read from, when they can be shared (never handed out). */
  metaHeaders?: Headers;
  body: Uint8Array;
  cache: CacheOutcome;
  attempts: number;
  expiresAt?: number;
  /** The body as parsed by the checks, for the first caller that wants it (saves a parse). */
  parsed?: { value: unknown };
}
