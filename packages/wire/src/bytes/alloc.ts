// Output allocation. In V8 a Uint8Array over 64 bytes gets its own off-heap backing store, which
// costs ~10× more than the encode itself; so, like Node's Buffer pool, arrays of 65..4096 bytes are
// carved out of a shared 8 KiB ArrayBuffer. Each region is handed out once (so it starts zeroed) and
// never reused. Consequence, documented on the package: results may share `.buffer` with other
// results, so use `byteOffset`/`byteLength` and never transfer `.buffer`.

const POOL_SIZE = 8192;
const MAX_POOLED = POOL_SIZE >>> 1;
const ON_HEAP_MAX = 64;

let pool = new ArrayBuffer(POOL_SIZE);
let used = 0;

/** A zero-filled array of `n` bytes, pooled when that is cheaper. */
export function alloc(n: number): Uint8Array {
  if (n <= ON_HEAP_MAX || n > MAX_POOLED) return new Uint8Array(n);
  if (used + n > POOL_SIZE) {
    pool = new ArrayBuffer(POOL_SIZE);
    used = 0;
  }
  const out = new Uint8Array(pool, used, n);
  used += (n + 7) & ~7; // keep regions 8-byte aligned
  return out;
}
