// Restores made of several parts validate as they go; if a later part refuses its data, the
// parts already restored are put back from a snapshot taken first, so a failed restore changes
// nothing (STYLE.md §2).

/** Applies `next`; if that throws, applies `backup` (taken before) and rethrows. */
export function applyOrRollBack<S>(backup: S, next: S, apply: (s: S) => void): void {
  try {
    apply(next);
  } catch (e) {
    apply(backup);
    throw e;
  }
}
