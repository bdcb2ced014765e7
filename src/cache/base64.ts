/**
 * Bytes ↔ base64, using the native `Uint8Array.fromBase64`/`toBase64` where
 * the runtime has them and `btoa`/`atob` elsewhere (older edge runtimes).
 *
 * @module
 */

interface NativeBase64 {
  fromBase64?: (text: string) => Uint8Array;
}

const native = Uint8Array as unknown as NativeBase64;
const hasNative = typeof native.fromBase64 === "function" &&
  typeof (Uint8Array.prototype as unknown as { toBase64?: unknown }).toBase64 === "function";

/**
 * Encodes bytes as base64 (standard alphabet, padded).
 *
 * @param bytes The bytes.
 * @returns The base64 text.
 * @example
 * ```ts
 * import { encodeBase64 } from "./base64.ts";
 * encodeBase64(new Uint8Array([0, 255])); // "AP8="
 * ```
 */
export function encodeBase64(bytes: Uint8Array): string {
  if (hasNative) return (bytes as unknown as { toBase64(): string }).toBase64();
  let binary = "";
  // Chunked: String.fromCharCode takes its arguments on the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * Decodes base64 text.
 *
 * @param text The base64 text.
 * @returns The bytes, or `undefined` when the text is not valid base64.
 * @example
 * ```ts
 * import { decodeBase64 } from "./base64.ts";
 * decodeBase64("AP8="); // Uint8Array [0, 255]
 * decodeBase64("not base64!"); // undefined
 * ```
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  try {
    if (hasNative) return native.fromBase64!(text);
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}
