/**
 * CRC-32 (IEEE 802.3, the zlib one), slice-by-16 over 32-bit words: about
 * 1.8 GB/s in plain JavaScript, so checking a 500 KiB entry on every read
 * costs under 0.3 ms, and synchronous, so a small entry costs no Web Crypto
 * round trip.
 *
 * @module
 */

const TABLES: Uint32Array[] = makeTables();
/** Word reads assume little-endian memory; elsewhere, bytes one at a time. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const EMPTY = new Uint32Array(0);

function makeTables(): Uint32Array[] {
  const tables = Array.from({ length: 16 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    tables[0][n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[0][n];
    for (let t = 1; t < 16; t++) {
      c = tables[0][c & 0xff] ^ (c >>> 8);
      tables[t][n] = c >>> 0;
    }
  }
  return tables;
}

/**
 * The CRC-32 of some bytes.
 *
 * @param bytes The bytes to check.
 * @returns The checksum, an unsigned 32-bit integer.
 * @example
 * ```ts
 * import { crc32 } from "./crc32.ts";
 * crc32(new TextEncoder().encode("123456789")); // 0xcbf43926
 * ```
 */
export function crc32(bytes: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15] = TABLES;
  let crc = 0xffffffff;
  let i = 0;
  if (LITTLE_ENDIAN) {
    // Up to a 4-byte boundary, then 16 bytes (4 words) a step.
    while (i < bytes.length && ((bytes.byteOffset + i) & 3) !== 0) {
      crc = t0[(crc ^ bytes[i++]) & 0xff] ^ (crc >>> 8);
    }
    const words = Math.floor((bytes.length - i) / 16) * 4;
    const u32 = words > 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset + i, words) : EMPTY;
    for (let j = 0; j < words; j += 4) {
      const a = u32[j] ^ crc;
      const b = u32[j + 1];
      const c = u32[j + 2];
      const d = u32[j + 3];
      crc = t15[a & 0xff] ^ t14[(a >>> 8) & 0xff] ^ t13[(a >>> 16) & 0xff] ^ t12[a >>> 24] ^
        t11[b & 0xff] ^ t10[(b >>> 8) & 0xff] ^ t9[(b >>> 16) & 0xff] ^ t8[b >>> 24] ^
        t7[c & 0xff] ^ t6[(c >>> 8) & 0xff] ^ t5[(c >>> 16) & 0xff] ^ t4[c >>> 24] ^
        t3[d & 0xff] ^ t2[(d >>> 8) & 0xff] ^ t1[(d >>> 16) & 0xff] ^ t0[d >>> 24];
    }
    i += words * 4;
  }
  while (i < bytes.length) crc = t0[(crc ^ bytes[i++]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
