// Bucket fill of a group's configured buckets, from x-query-throttle-groups `levels`:
// `buckets: { iops_total: { level, size, burst_level?, burst_size? } }` (leaked to now). An older
// shape, `{ iops_total: [level, burst_level] }`, is still read, with the size derived as QEMU
// does (throttle.md §3.2): max × max_length with a burst, else avg / 10.

const BUCKETS: [string, string][] = [
  ['iops_total', 'iops'],
  ['iops_read', 'iops_rd'],
  ['iops_write', 'iops_wr'],
  ['bps_total', 'bps'],
  ['bps_read', 'bps_rd'],
  ['bps_write', 'bps_wr'],
];

interface Row {
  param: string;
  level: number;
  size: number;
  burstLevel?: number;
  burstSize?: number;
}

const isNum = (v: unknown): v is number => typeof v === 'number';

export function bucketRows(levels: unknown, limits: Record<string, number>): Row[] {
  if (!levels || typeof levels !== 'object') return [];
  const all = levels as Record<string, unknown>;
  const views =
    all.buckets && typeof all.buckets === 'object' ? (all.buckets as Record<string, unknown>) : undefined;
  const rows: Row[] = [];
  for (const [key, param] of BUCKETS) {
    const view = views?.[key] as Record<string, unknown> | undefined;
    if (views) {
      if (!view || !isNum(view.level) || !isNum(view.size)) continue;
      const row: Row = { param, level: view.level, size: view.size };
      if (isNum(view.burst_level) && isNum(view.burst_size)) {
        row.burstLevel = view.burst_level;
        row.burstSize = view.burst_size;
      }
      rows.push(row);
      continue;
    }
    const avg = limits[param] ?? 0;
    const v = all[key];
    if (avg <= 0 || !Array.isArray(v) || !isNum(v[0])) continue;
    const max = limits[`${param}_max`] ?? 0;
    const size = max > 0 ? max * (limits[`${param}_max_length`] ?? 1) : avg / 10;
    rows.push({ param, level: v[0], size });
  }
  return rows;
}

const short = (v: number) => (v >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : String(Math.round(v)));

export function BucketLevels({
  group,
  levels,
  limits,
}: {
  group: string;
  levels: unknown;
  limits: Record<string, number>;
}) {
  const rows = bucketRows(levels, limits);
  if (rows.length === 0) return null;
  return (
    <div className="bucket-levels">
      <span className="mini-title">bucket fill</span>
      {rows.map((r) => (
        <span key={r.param} className="bucket">
          <code>{r.param}</code>
          <meter
            min={0}
            max={r.size}
            value={Math.min(r.level, r.size)}
            aria-label={`${group} ${r.param} bucket fill`}
          />
          <span className="num">
            {short(r.level)} / {short(r.size)}
          </span>
          {r.burstSize ? (
            <>
              <meter
                min={0}
                max={r.burstSize}
                value={Math.min(r.burstLevel ?? 0, r.burstSize)}
                aria-label={`${group} ${r.param} burst fill`}
              />
              <span className="num">
                burst {short(r.burstLevel ?? 0)} / {short(r.burstSize)}
              </span>
            </>
          ) : null}
        </span>
      ))}
    </div>
  );
}
