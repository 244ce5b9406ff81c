// Durations as automation.md §1 writes them: a number with a unit (ns, us, ms, s), e.g. "250ms".

const NS_PER_UNIT: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 };

/** Parses "250ms", "2s", "1.5 us", "100ns" to integer ns; returns null when malformed. */
export function parseDurationNs(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|ms|s)\s*$/.exec(text);
  if (!m) return null;
  const ns = Math.round(Number(m[1]) * NS_PER_UNIT[m[2]]);
  return Number.isSafeInteger(ns) ? ns : null;
}

export const DURATION_HINT = 'expected a duration such as "250ms" or "2s" (units ns, us, ms, s)';

/** Human form of a duration in ns, for check lines. */
export function formatNs(ns: number): string {
  if (ns % 1e9 === 0) return `${ns / 1e9}s`;
  if (ns % 1e6 === 0) return `${ns / 1e6}ms`;
  if (ns % 1e3 === 0) return `${ns / 1e3}us`;
  return `${ns}ns`;
}
