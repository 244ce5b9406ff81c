import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// src/emu must be deterministic (DESIGN rule 3). Biome bans Date/setTimeout/...; Math.random is
// plain ES and only a search finds it.
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

describe('src/emu purity', () => {
  it('never calls Math.random, performance.now or Date.now', () => {
    const offenders = sources('src/emu').filter((f) =>
      /\bMath\.random\b|\bperformance\.now\b|\bDate\.now\b/.test(readFileSync(f, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});
