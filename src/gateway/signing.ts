/**
 * Where the signing names were before they moved to `src/signing/`: kept so
 * that `mod.ts` and `src/client.ts` import them as they did. New code imports
 * from `../signing/*.ts`.
 *
 * @module
 */

export {
  canonicalString,
  hmacKey,
  SIGNATURE_SCHEME,
  SIGNATURE_WINDOW_MS,
  type SignatureHeaders,
  type SignedParts,
} from "../signing/canonical.ts";
export { signatureHeaders, signCanonical } from "../signing/sign.ts";
export { verifySignature } from "../signing/verify.ts";
