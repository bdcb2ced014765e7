import assert from "node:assert/strict";
import { base64url } from "jose";
import { EncryptedTokenStore, type StringStore } from "../../src/sso/encrypted_token_store.ts";
import { EsiTokenStoreError } from "../../src/sso/errors.ts";
import { MemoryTokenStore, type StoredToken } from "../../src/sso/token_store.ts";

const record: StoredToken = {
  characterId: 2112625428,
  accessToken: "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
  refreshToken: "yK3ULrhjQUSK6vLrsuKvYw==",
  expiresAt: Date.UTC(2026, 6, 17, 12, 20),
  scopes: ["esi-skills.read_skills.v1"],
  owner: "8PmzCeTKb4VFUDrHLc/AeZXDSWM=",
};

class SpyStrings implements StringStore {
  readonly map = new Map<string, string>();
  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.map.get(key));
  }
  set(key: string, value: string): Promise<void> {
    this.map.set(key, value);
    return Promise.resolve();
  }
  delete(key: string): Promise<void> {
    this.map.delete(key);
    return Promise.resolve();
  }
}

function unreadable(why: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof EsiTokenStoreError, `expected EsiTokenStoreError, got ${err}`);
    assert.equal(err.code, "ERR_STORE");
    assert.match(err.message, /^Cannot read the stored token of character "2112625428": /);
    assert.match(err.message, why);
    return true;
  };
}

Deno.test("the memory token store keeps copies per character", async () => {
  const store = new MemoryTokenStore();
  assert.equal(await store.get(record.characterId), undefined);
  await store.set(record.characterId, record);
  const read = await store.get(record.characterId);
  assert.deepEqual(read, record);
  read!.scopes.push("tampered");
  assert.deepEqual(await store.get(record.characterId), record);
  await store.delete(record.characterId);
  await store.delete(record.characterId);
  assert.equal(await store.get(record.characterId), undefined);
});

Deno.test("the encrypted store round-trips a record, with raw or CryptoKey keys", async () => {
  for (
    const key of [
      crypto.getRandomValues(new Uint8Array(32)),
      crypto.getRandomValues(new Uint8Array(16)),
      await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
        "encrypt",
        "decrypt",
      ]),
    ]
  ) {
    const backend = new SpyStrings();
    const store = new EncryptedTokenStore({ key, backend });
    await store.set(record.characterId, record);
    assert.deepEqual(await store.get(record.characterId), record);
    const sealed = backend.map.get("esikit:token:2112625428")!;
    assert.match(sealed, /^v1\.[A-Za-z0-9_-]+$/);
    assert.ok(!sealed.includes(record.refreshToken.slice(0, 8)), "nothing in clear");
    await store.delete(record.characterId);
    assert.equal(await store.get(record.characterId), undefined);
  }
});

Deno.test("every write uses a fresh IV", async () => {
  const backend = new SpyStrings();
  const store = new EncryptedTokenStore({
    key: crypto.getRandomValues(new Uint8Array(32)),
    backend,
  });
  await store.set(record.characterId, record);
  const first = backend.map.get("esikit:token:2112625428")!;
  await store.set(record.characterId, record);
  const second = backend.map.get("esikit:token:2112625428")!;
  assert.notEqual(first, second);
  const iv = (s: string) => base64url.decode(s.slice(3)).slice(0, 12).join(",");
  assert.notEqual(iv(first), iv(second));
});

Deno.test("tampered, foreign or moved records fail with a clear error, not garbage", async (t) => {
  const key = crypto.getRandomValues(new Uint8Array(32));
  const backend = new SpyStrings();
  const store = new EncryptedTokenStore({ key, backend });
  const slot = "esikit:token:2112625428";
  await store.set(record.characterId, record);
  const sealed = backend.map.get(slot)!;

  await t.step("one flipped bit of ciphertext", async () => {
    const bytes = base64url.decode(sealed.slice(3));
    bytes[bytes.length - 20] ^= 1;
    backend.map.set(slot, `v1.${base64url.encode(bytes)}`);
    await assert.rejects(store.get(record.characterId), unreadable(/not authentic/));
  });

  await t.step("another key", async () => {
    backend.map.set(slot, sealed);
    const other = new EncryptedTokenStore({
      key: crypto.getRandomValues(new Uint8Array(32)),
      backend,
    });
    await assert.rejects(other.get(record.characterId), unreadable(/not authentic/));
  });

  await t.step("a record copied to another character's slot", async () => {
    backend.map.set("esikit:token:90000001", sealed);
    await assert.rejects(store.get(90000001), (err: unknown) => {
      assert.ok(err instanceof EsiTokenStoreError);
      assert.equal(err.characterId, 90000001);
      assert.match(err.message, /not authentic/);
      return true;
    });
  });

  await t.step("plain text where a sealed record should be", async () => {
    backend.map.set(slot, JSON.stringify(record));
    await assert.rejects(store.get(record.characterId), unreadable(/not a sealed token record/));
  });

  await t.step("a truncated record", async () => {
    backend.map.set(slot, sealed.slice(0, 23)); // 15 bytes: less than an IV and a tag
    await assert.rejects(store.get(record.characterId), unreadable(/too short/));
  });

  await t.step("the error never holds the record", async () => {
    backend.map.set(slot, sealed.slice(0, -4) + "AAAA");
    await assert.rejects(store.get(record.characterId), (err: unknown) => {
      assert.ok(!(err as Error).message.includes(sealed.slice(3, 20)));
      return true;
    });
  });
});

Deno.test("a key of the wrong size is refused at once", () => {
  assert.throws(
    () => new EncryptedTokenStore({ key: new Uint8Array(20) }),
    /the key must be 16 or 32 bytes, not 20/,
  );
});
