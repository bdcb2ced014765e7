/**
 * EVE SSO login for the gateway's callers: `GET /auth/login` sends the
 * browser to the SSO (PKCE, signed short-lived single-use `state`),
 * `GET /auth/callback` exchanges the code, verifies and stores the tokens
 * (encrypted, through the `TokenManager`) and starts a session (a signed
 * `__Host-` cookie), `POST /auth/logout` ends every session of the character
 * and revokes its tokens (`?scope=session`: this session only). Calls to
 * `/esi/*` with the session cookie then use the character's stored,
 * auto-refreshed token. A store that fails or passes its deadline is a 503
 * with `Retry-After` (see `stores/deadline.ts`).
 *
 * @module
 */

import { type Context, Hono } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import type { EveSso } from "../../src/sso/eve_sso.ts";
import type { TokenManager } from "../../src/sso/token_manager.ts";
import { esiScopes } from "../../src/spec/scopes.gen.ts";
import { type Clock, systemClock } from "../../src/clock.ts";
import { readState, signState, stateKey } from "../auth/login_state.ts";
import { checkReturnTo } from "../auth/return_to.ts";
import { LOGIN_COOKIE, SESSION_COOKIE, type Sessions } from "../auth/sessions.ts";
import { EsiError } from "../../src/errors.ts";
import { fail, type GatewayEnv, type Logger, shorten } from "../context.ts";
import type { GatewayMetrics } from "../metrics.ts";
import type { ValueStore } from "../stores/types.ts";
import { type StorePurpose, storeUnavailable } from "../stores/deadline.ts";
import { scrubError } from "../log/scrub.ts";

/** What the login routes need. */
export interface GatewayAuth {
  /** The SSO client. */
  sso: Pick<EveSso, "authorize" | "exchangeCode">;
  /** Keeps the characters' tokens (encrypted in the shared store) valid. */
  tokens: Pick<TokenManager, "add" | "revoke" | "delete" | "identity" | "source">;
  /** The sessions. */
  sessions: Sessions;
  /** Where logins in progress are kept (single use). */
  values: ValueStore;
  /** Signs `state` and the cookies. */
  secret: string;
  /** Where `return_to` may point. */
  returnOrigins: readonly string[];
}

/** Options of {@link authRoutes}. */
export interface AuthRoutesOptions {
  /** The login parts. */
  auth: GatewayAuth;
  /** Where failures are reported. */
  logger: Logger;
  /** Counts store failures. */
  metrics?: GatewayMetrics;
  /**
   * The clock states expire by.
   * @default systemClock
   */
  clock?: Clock;
}

/** How long a login may take, from `/auth/login` to the callback. */
export const LOGIN_TTL_MS = 10 * 60_000;

const knownScopes: ReadonlySet<string> = new Set(esiScopes);

interface LoginRecord {
  /** The PKCE verifier. */
  v?: string;
  /** Where to send the browser afterwards. */
  r: string;
}

/**
 * The login routes.
 *
 * @param options The SSO, the token manager, the stores, the secret and the allowed origins.
 * @returns A Hono app with `GET /auth/login`, `GET /auth/callback` and `POST /auth/logout`.
 * @example
 * ```ts ignore
 * app.route("/", authRoutes({ auth, logger }));
 * ```
 */
export function authRoutes(
  { auth, logger, metrics, clock = systemClock }: AuthRoutesOptions,
): Hono<GatewayEnv> {
  const { sso, tokens, sessions, values, secret, returnOrigins } = auth;
  const key = stateKey(secret);
  const app = new Hono<GatewayEnv>();
  const report = { logger, metrics, store: values.name };
  const unavailable = (c: Context, purpose: StorePurpose, error: unknown, action: string) =>
    storeUnavailable(c, purpose, error, report, action);

  app.get("/auth/login", async function login(c) {
    const scopes = [
      ...new Set(c.req.queries("scopes")?.flatMap((s) => s.split(/[\s,]+/)).filter(Boolean)),
    ];
    const unknown = scopes.filter((s) => !knownScopes.has(s));
    if (unknown.length) {
      return fail(
        c,
        400,
        `Cannot log in: unknown scope ${unknown.slice(0, 3).map((s) => `"${s}"`).join(", ")}`,
      );
    }
    const raw = c.req.query("return_to");
    const returnTo = raw === undefined ? `${returnOrigins[0]}/` : checkReturnTo(raw, returnOrigins);
    if (!returnTo) {
      return fail(
        c,
        400,
        `Cannot log in: return_to "${shorten(raw ?? "")}" is not a URL on an allowed origin`,
      );
    }
    const { state, nonce } = await signState(await key, clock.now() + LOGIN_TTL_MS);
    let url: string;
    let codeVerifier: string | undefined;
    try {
      ({ url, codeVerifier } = await sso.authorize({ scopes, state }));
    } catch (error) {
      logger({ level: "error", msg: "sso authorize failed", error: scrubError(error) });
      return fail(c, 502, "Cannot log in now: the SSO does not answer");
    }
    const record: LoginRecord = { v: codeVerifier, r: returnTo };
    try {
      await values.set(`login:${nonce}`, JSON.stringify(record), LOGIN_TTL_MS);
    } catch (error) {
      return unavailable(c, "login", error, "log in");
    }
    await setSignedCookie(c, LOGIN_COOKIE, nonce, secret, {
      prefix: "host",
      httpOnly: true,
      sameSite: "Lax",
      maxAge: LOGIN_TTL_MS / 1000,
    });
    c.header("Cache-Control", "no-store");
    return c.redirect(url, 302);
  });

  app.get("/auth/callback", async function callback(c) {
    c.header("Cache-Control", "no-store");
    const error = c.req.query("error");
    if (error !== undefined) {
      return fail(c, 400, `Cannot log in: the SSO answered "${shorten(error, 64)}"`);
    }
    const code = c.req.query("code");
    const stateText = c.req.query("state");
    if (!code || !stateText) return fail(c, 400, "Cannot log in: code or state is missing");
    const state = await readState(await key, stateText, clock.now());
    if (!state) return fail(c, 400, "Cannot log in: the state is invalid or expired");
    // The browser that finishes the login must be the one that started it (login CSRF).
    const bound = await getSignedCookie(c, secret, LOGIN_COOKIE, "host");
    if (bound !== state.nonce) {
      return fail(c, 400, "Cannot log in: the login was started in another browser");
    }
    let stored: string | undefined;
    try {
      stored = await values.take(`login:${state.nonce}`);
    } catch (error) {
      return unavailable(c, "callback", error, "log in");
    }
    if (stored === undefined) {
      return fail(c, 400, "Cannot log in: the state was already used or has expired");
    }
    deleteCookie(c, LOGIN_COOKIE, { prefix: "host", path: "/", secure: true });
    const record = JSON.parse(stored) as LoginRecord;

    let characterId: number;
    let session: string;
    try {
      const granted = await sso.exchangeCode(code, { codeVerifier: record.v });
      characterId = (await tokens.add(granted)).characterId;
      session = await sessions.create(characterId);
    } catch (error) {
      // The module's errors are the SSO's; anything else came from the store.
      if (!(error instanceof EsiError)) return unavailable(c, "callback", error, "log in");
      logger({
        level: "warn",
        msg: "sso login failed",
        code: error.code,
        error: scrubError(error),
      });
      return fail(c, 502, "Cannot log in: the SSO refused the code or its token did not verify");
    }
    await setSignedCookie(c, SESSION_COOKIE, session, secret, {
      prefix: "host",
      httpOnly: true,
      sameSite: "Lax",
      maxAge: Math.floor(sessions.ttlMs / 1000),
    });
    c.get("log").character = characterId;
    return c.redirect(record.r, 302);
  });

  app.post("/auth/logout", async function logout(c) {
    c.header("Cache-Control", "no-store");
    const scope = c.req.query("scope") ?? "all";
    if (scope !== "all" && scope !== "session") {
      return fail(
        c,
        400,
        `Cannot log out: scope "${shorten(scope, 32)}" is not "all" or "session"`,
      );
    }
    const session = await getSignedCookie(c, secret, SESSION_COOKIE, "host");
    // The cookie goes whatever happens next: this browser is logged out.
    deleteCookie(c, SESSION_COOKIE, { prefix: "host", path: "/", secure: true });
    if (!session) return c.json({ ended: "none" });
    let characterId: number | undefined;
    try {
      characterId = await sessions.find(session);
      await sessions.end(session);
      if (characterId === undefined) return c.json({ ended: "none" });
      if (scope === "session") return c.json({ ended: "session", characterId });
      await sessions.endAll(characterId);
    } catch (error) {
      return unavailable(c, "logout", error, "log out");
    }
    try {
      await tokens.revoke(characterId);
    } catch (error) {
      if (!(error instanceof EsiError)) return unavailable(c, "logout", error, "log out");
      // Forgotten here even if the SSO did not take the revocation.
      logger({ level: "warn", msg: "sso revoke failed", error: scrubError(error) });
      try {
        await tokens.delete(characterId);
      } catch (error) {
        return unavailable(c, "logout", error, "log out");
      }
    }
    return c.json({ ended: "all", characterId });
  });

  return app;
}
