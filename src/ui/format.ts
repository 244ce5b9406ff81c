// Number formats shared by panels.

/** Virtual seconds with milliseconds, e.g. "12.345 s". */
export function formatClock(nowNs: number): string {
  return `${(Math.floor(nowNs / 1e6) / 1e3).toFixed(3)} s`;
}
