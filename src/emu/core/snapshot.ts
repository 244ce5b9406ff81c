// Snapshot helpers: every stateful part implements Snapshottable with a named, versioned plain
// object (never positional arrays). A restore that finds bad data throws before changing anything.

export interface Snapshottable<S> {
  snapshot(): S;
  /** Must validate first and throw without side effects on bad data. */
  restore(s: S): void;
}

/** JSON with object keys sorted, so equal states give equal strings. Typed arrays become arrays. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(normalise(value));
}

function normalise(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
    return value;
  }
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) return value.map(normalise);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = normalise(v);
  }
  return out;
}

/** 64-bit FNV-1a of the stable JSON form, as 16 hex digits. */
export function stateHash(value: unknown): string {
  const text = stableStringify(value);
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x0100019d) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}

/** Deep copy through JSON, for snapshots that must not alias live state. */
export function cloneState<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

/** Throws a SnapshotError unless cond holds. */
export function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new SnapshotError(`snapshot: ${what}`);
}
