// Bucket fill of a group's configured buckets, from x-query-throttle-groups `levels`
// ({ iops_total: [level, burst_level], ... }, not leaked to now). The bucket size is derived as
// QEMU does (throttle.md §3.2): max × max_length with a burst, else avg / 10.

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
}

export function bucketRows(levels: unknown, limits: Record<string, number>): Row[] {
  if (!levels || typeof levels !== 'object') return [];
  const rows: Row[] = [];
  for (const [key, param] of BUCKETS) {
    const avg = limits[param] ?? 0;
    const v = (levels as Record<string, unknown>)[key];
    if (avg <= 0 || !Array.isArray(v) || typeof v[0] !== 'number') continue;
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
        </span>
      ))}
    </div>
  );
}
