/**
 * A Bloom filter of strings: "was this key (maybe) seen before?" in a few bytes per key, whatever the count — what a
 * big import uses to find a key its file gives twice without holding every key (2M rows would cost ~200 MB as a Set;
 * this costs 16–32 bits a row). No false negatives: every repeat is reported; about 1 in 1,000 new keys is reported
 * too, and the caller checks those exactly. Blocked (all of a key's bits in one 64-byte cache line): one cache miss a
 * key instead of one per hash (11 random probes into 4 MB cost ~1.2 µs a key, a block ~0.3 µs). Hand-written (40
 * lines) because the npm Bloom filters hash through generic byte-array hashers (xxhashjs, …) at several times the cost
 * per key, are not blocked, and bring their own dependency trees; this one hashes the string's UTF-16 code units
 * directly (FNV-1a and a multiply-xorshift).
 */
const BITS_PER_KEY = 16;
const HASHES = 8;
/** Words (32 bits) per block: 512 bits, one cache line. */
const BLOCK_WORDS = 16;

export class KeyFilter {
  readonly #bits: Uint32Array;
  /** Blocks - 1 (a power of two: the block is a mask of the hash, not a division). */
  readonly #blockMask: number;

  constructor(expectedKeys: number) {
    const blocks = 2 ** Math.min(26, Math.max(0, Math.ceil(Math.log2((expectedKeys * BITS_PER_KEY) / (BLOCK_WORDS * 32)))));
    this.#blockMask = blocks - 1;
    this.#bits = new Uint32Array(blocks * BLOCK_WORDS);
  }

  /** Add `key`; true when it may have been added before (certainly, if it was). */
  addAndCheck(key: string): boolean {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193 ^ key.length;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    h1 ^= h1 >>> 13;
    h1 = Math.imul(h1, 0xc2b2ae35);
    h1 ^= h1 >>> 16;
    h2 ^= h2 >>> 16;
    h2 = Math.imul(h2, 0x85ebca6b);
    h2 ^= h2 >>> 13;
    h2 = Math.imul(h2, 0xc2b2ae35);
    h2 ^= h2 >>> 16;
    const base = (h1 & this.#blockMask) * BLOCK_WORDS;
    const step = (h2 >>> 9) | 1;
    let seen = true;
    for (let i = 0; i < HASHES; i++) {
      const bit = (h2 + Math.imul(i, step)) & 511;
      const word = base + (bit >>> 5);
      const mask = 1 << (bit & 31);
      if (!(this.#bits[word]! & mask)) {
        seen = false;
        this.#bits[word] = this.#bits[word]! | mask;
      }
    }
    return seen;
  }
}
