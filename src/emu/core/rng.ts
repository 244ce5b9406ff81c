// Seeded pseudo-random generator (sfc32, seeded through splitmix32). The machine's only source
// of randomness: same seed, same sequence, and its four words of state snapshot exactly.

export interface RngSnapshot {
  v: 1;
  s: [number, number, number, number];
}

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  // Four 32-bit words in a typed array: plain fields would hold values ≥ 2^31 as heap doubles,
  // and the generator runs once or twice per timestamp on hot paths.
  private readonly s = new Int32Array(4);

  constructor(seed = 1) {
    const next = splitmix32(seed);
    for (let i = 0; i < 4; i++) this.s[i] = next();
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** Uniform 32-bit unsigned integer (next() scaled back: exact, the word times a power of two). */
  nextU32(): number {
    return this.next() * 4294967296;
  }

  /** Uniform double in [0, 1): one sfc32 step, its 32-bit word / 2^32. */
  next(): number {
    const s = this.s;
    const a = s[0];
    const b = s[1];
    const c = s[2];
    const d = s[3];
    // Int32Array stores wrap modulo 2^32, so every word keeps sfc32's bits exactly.
    const t = (a + b + d) >>> 0;
    s[3] = d + 1;
    s[0] = b ^ (b >>> 9);
    s[1] = c + (c << 3);
    s[2] = ((c << 21) | (c >>> 11)) + t;
    return t / 4294967296;
  }

  /**
   * next() * 100 < percent, as a boolean: the draw stays inside (a double returned from a call
   * that is not inlined is a newly allocated heap number).
   */
  percentBelow(percent: number): boolean {
    return this.next() * 100 < percent;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** Exponentially distributed value with the given mean (for Poisson arrivals). */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** An independent generator derived from this one's stream (for per-device streams). */
  fork(): Rng {
    return new Rng(this.nextU32());
  }

  snapshot(): RngSnapshot {
    const [a, b, c, d] = this.s;
    return { v: 1, s: [a >>> 0, b >>> 0, c >>> 0, d >>> 0] };
  }

  restore(s: RngSnapshot): void {
    if (s?.v !== 1 || !Array.isArray(s.s) || s.s.length !== 4 || !s.s.every((w) => Number.isInteger(w))) {
      throw new Error('rng snapshot: bad data');
    }
    this.s.set(s.s);
  }
}
