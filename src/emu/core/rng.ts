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
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  constructor(seed = 1) {
    const next = splitmix32(seed);
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform double in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
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
    return { v: 1, s: [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0] };
  }

  restore(s: RngSnapshot): void {
    if (s?.v !== 1 || !Array.isArray(s.s) || s.s.length !== 4 || !s.s.every((w) => Number.isInteger(w))) {
      throw new Error('rng snapshot: bad data');
    }
    [this.a, this.b, this.c, this.d] = s.s.map((w) => w >>> 0) as [number, number, number, number];
  }
}
