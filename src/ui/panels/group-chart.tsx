// One live chart of a group's measured rates (total, read, write) over the last 30 s of virtual
// time, with the configured limits drawn as reference lines. The figure's accessible name is its
// text alternative: the current measured values and the limit, current at every tick. The plot
// itself redraws with the store's series version while on screen; off screen it keeps its data
// ring and redraws only every OFFSCREEN_REDRAW_MS (so it never falls far behind), catching up as
// soon as it scrolls into view. Redraws are transitions: React may yield between charts.
import { memo, type RefObject, startTransition, useEffect, useRef, useState } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import type { ThrottleGroupInfo } from '../qmp-shapes';
import { CHART_WINDOW_S, useLab } from '../store';

export type ChartUnit = 'iops' | 'bps';

/**
 * An off-screen plot redraws at most this often (wall ms). With the series version's 500 ms
 * (+ one tick) and the idle wait below, an off-screen plot still changes within ~1.7 s.
 */
const OFFSCREEN_REDRAW_MS = 900;
/** …in the first idle period, or after this long (wall ms) when the page has none. */
const OFFSCREEN_IDLE_WAIT_MS = 150;

const COLORS = { total: '#2563eb', read: '#16a34a', write: '#ea580c', limit: '#dc2626' };

interface Keys {
  total: 'iops' | 'bps';
  read: 'rd_iops' | 'rd_bps';
  write: 'wr_iops' | 'wr_bps';
  limitRead: string;
  limitWrite: string;
  scale: number;
  axisUnit: string;
  title: string;
  textUnit: string;
}

const KEYS: Record<ChartUnit, Keys> = {
  iops: {
    total: 'iops',
    read: 'rd_iops',
    write: 'wr_iops',
    limitRead: 'iops_rd',
    limitWrite: 'iops_wr',
    scale: 1,
    axisUnit: '',
    title: 'IOPS',
    textUnit: '',
  },
  bps: {
    total: 'bps',
    read: 'rd_bps',
    write: 'wr_bps',
    limitRead: 'bps_rd',
    limitWrite: 'bps_wr',
    scale: 1e-6,
    axisUnit: ' MB/s',
    title: 'bps',
    textUnit: ' B/s',
  },
};

/** "foo IOPS: 6003 measured (read 3001, write 3002); limit 6000" */
export function chartText(g: ThrottleGroupInfo, unit: ChartUnit): string {
  const k = KEYS[unit];
  const r = (v: number) => `${Math.round(v)}${k.textUnit}`;
  const total = g.limits[k.total] ?? 0;
  const rd = g.limits[k.limitRead] ?? 0;
  const wr = g.limits[k.limitWrite] ?? 0;
  let limit = 'no limit';
  if (total) limit = `limit ${r(total)}`;
  else if (rd || wr) limit = `limits read ${rd ? r(rd) : 'none'}, write ${wr ? r(wr) : 'none'}`;
  return `${g.name} ${k.title}: ${r(g[k.total])} measured (read ${r(g[k.read])}, write ${r(g[k.write])}); ${limit}`;
}

/**
 * The series version a plot should show: the store's while `ref` is on screen, else the store's
 * as it was at most OFFSCREEN_REDRAW_MS ago (wall time).
 */
function useShownVersion(ref: RefObject<HTMLElement | null>): number {
  const [shown, setShown] = useState(() => useLab.getState().seriesVersion);
  useEffect(() => {
    const el = ref.current;
    let visible = true;
    let shownAtMs = performance.now();
    let idle: number | undefined;
    const show = (version: number) => {
      shownAtMs = performance.now();
      startTransition(() => setShown(version));
    };
    const unsubscribe = useLab.subscribe((s, prev) => {
      if (s.seriesVersion === prev.seriesVersion) return;
      if (visible) show(s.seriesVersion);
      else if (idle === undefined && performance.now() - shownAtMs >= OFFSCREEN_REDRAW_MS) {
        // Off screen: each plot in an idle period of its own, not all in one long task.
        idle = requestIdleCallback(
          () => {
            idle = undefined;
            show(useLab.getState().seriesVersion);
          },
          { timeout: OFFSCREEN_IDLE_WAIT_MS },
        );
      }
    });
    const observer = new IntersectionObserver((entries) => {
      const now = entries[entries.length - 1].isIntersecting;
      if (now && !visible) show(useLab.getState().seriesVersion);
      visible = now;
    });
    if (el) observer.observe(el);
    return () => {
      if (idle !== undefined) cancelIdleCallback(idle);
      unsubscribe();
      observer.disconnect();
    };
  }, [ref]);
  return shown;
}

export function GroupChart({ group, unit }: { group: ThrottleGroupInfo; unit: ChartUnit }) {
  const figure = useRef<HTMLElement>(null);
  const version = useShownVersion(figure);
  const k = KEYS[unit];
  return (
    <figure ref={figure} className="group-chart" role="img" aria-label={chartText(group, unit)}>
      <figcaption>
        {unit === 'bps' ? 'Throughput (MB/s)' : 'IOPS'}
        <span className="legend">
          <i style={{ background: COLORS.total }} /> total <i style={{ background: COLORS.read }} /> read{' '}
          <i style={{ background: COLORS.write }} /> write <i className="dash" /> limit
        </span>
      </figcaption>
      <ChartPlot
        name={group.name}
        unit={unit}
        version={version}
        limitTotal={group.limits[k.total] ?? 0}
        limitRead={group.limits[k.limitRead] ?? 0}
        limitWrite={group.limits[k.limitWrite] ?? 0}
      />
    </figure>
  );
}

interface PlotProps {
  name: string;
  unit: ChartUnit;
  /** Changes when the series should be redrawn (the store throttles it). */
  version: number;
  limitTotal: number;
  limitRead: number;
  limitWrite: number;
}

/** The SVG plot, redrawn only when the series version or a limit changes. */
const ChartPlot = memo(function ChartPlot({ name, unit, limitTotal, limitRead, limitWrite }: PlotProps) {
  const ring = useLab.getState().series.get(name);
  const k = KEYS[unit];
  const points = ring?.since((ring.last()?.t ?? 0) - CHART_WINDOW_S) ?? [];
  const data = points.map((p) => ({
    t: p.t,
    total: p[k.total] * k.scale,
    read: p[k.read] * k.scale,
    write: p[k.write] * k.scale,
  }));
  const endS = points.at(-1)?.t ?? 0;
  const startS = Math.max(0, endS - CHART_WINDOW_S);
  const limits = [
    { key: 'total', value: limitTotal, color: COLORS.limit, label: 'limit' },
    { key: 'read', value: limitRead, color: COLORS.read, label: 'read limit' },
    { key: 'write', value: limitWrite, color: COLORS.write, label: 'write limit' },
  ].filter((l) => l.value > 0);

  return (
    <div className="chart-box" aria-hidden="true">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#e5e7eb" vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            domain={[startS, Math.max(endS, startS + CHART_WINDOW_S)]}
            tickFormatter={(v: number) => `${Math.round(v)}s`}
            tick={{ fontSize: 11 }}
            allowDataOverflow
          />
          <YAxis
            width={52}
            tick={{ fontSize: 11 }}
            tickFormatter={(v: number) => (v >= 10_000 ? `${v / 1000}k` : String(Math.round(v * 10) / 10))}
          />
          {limits.map((l) => (
            <ReferenceLine
              key={l.key}
              y={l.value * k.scale}
              stroke={l.color}
              strokeDasharray="6 4"
              ifOverflow="extendDomain"
              label={{
                value: `${l.label} ${Math.round(l.value * k.scale * 10) / 10}${k.axisUnit}`,
                position: 'insideTopRight',
                fontSize: 11,
                fill: l.color,
              }}
            />
          ))}
          <Line dataKey="total" stroke={COLORS.total} dot={false} isAnimationActive={false} strokeWidth={2} />
          <Line dataKey="read" stroke={COLORS.read} dot={false} isAnimationActive={false} strokeWidth={1.5} />
          <Line
            dataKey="write"
            stroke={COLORS.write}
            dot={false}
            isAnimationActive={false}
            strokeWidth={1.5}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
});
