import { MemoryCache } from "../../src/cache/memory.ts";
import { cacheConformance } from "./conformance.ts";

// The memory store keeps objects, not bytes, and has no backend to fail:
// the damage and failure steps do not apply to it.
cacheConformance("MemoryCache", () =>
  Promise.resolve({
    name: "memory",
    canDamage: false,
    create: ({ clock }) =>
      Promise.resolve({
        store: new MemoryCache({ clock, maxBytes: 256 * 1024 * 1024 }),
        close: () => Promise.resolve(),
      }),
    close: () => Promise.resolve(),
  }));
