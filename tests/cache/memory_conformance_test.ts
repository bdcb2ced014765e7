import { MemoryCache } from "../../src/cache/memory.ts";
import { cacheConformance } from "./conformance.ts";

// The memory store keeps objects, not bytes, and has no backend to fail:
// the damage and failure steps are ignored for it.
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
