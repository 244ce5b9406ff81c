// The TDC panel's slice of the UI store (store.ts holds it as `tdc`) and the pure helpers the
// panel uses: pulse-generator arguments, timestamp formatting, the histogram's text alternative,
// and the CSV/VCD exports. No machine behaviour here: every figure comes from the worker.
import type {
  TdcChannelView,
  TdcEventRow,
  TdcExportChannel,
  TdcHistogram,
  TdcRow,
} from '../../worker/tdc-protocol';

export const TDC_CHANNELS = [1, 2, 3, 4, 5] as const;

export interface TdcState {
  /** The worker said this lab has no TDC. */
  absent: boolean;
  /** Virtual time of the latest data (0: none yet). */
  nowNs: number;
  mode: string;
  channels: TdcChannelView[];
  recent: TdcRow[];
  histogram?: TdcHistogram;
  events: TdcEventRow[];
  /** Pulse width last sent per channel (ns), for the VCD's falling edges. */
  widthsNs: number[];
}

export function emptyTdc(): TdcState {
  return { absent: false, nowNs: 0, mode: 'correct', channels: [], recent: [], events: [], widthsNs: [] };
}

// ---- pulse generator ---------------------------------------------------------------------------

export type PulseMode = 'periodic' | 'burst' | 'single';

export interface PulseSettings {
  mode: PulseMode;
  periodNs: number;
  widthNs: number;
  burstCount: number;
}

/** x-tdc-pulses arguments for a channel's generator settings, or an error sentence. */
export function pulseArgs(
  channel: number,
  p: PulseSettings,
): { args: Record<string, number> } | { error: string } {
  const widthNs = Math.round(p.widthNs);
  if (!Number.isFinite(widthNs) || widthNs < 1) return { error: 'width must be at least 1 ns' };
  if (p.mode === 'single')
    return { args: { channel, period_ns: Math.max(2 * widthNs, 1000), width_ns: widthNs, count: 1 } };
  const periodNs = Math.round(p.periodNs);
  if (!Number.isFinite(periodNs) || periodNs < 1) return { error: 'period must be at least 1 ns' };
  if (widthNs >= periodNs) return { error: 'width must be shorter than the period' };
  if (p.mode === 'burst') {
    const count = Math.round(p.burstCount);
    if (!Number.isFinite(count) || count < 1) return { error: 'burst count must be at least 1' };
    return { args: { channel, period_ns: periodNs, width_ns: widthNs, count } };
  }
  return { args: { channel, period_ns: periodNs, width_ns: widthNs, count: 0 } };
}

/** Hz ↔ ns, rounded to the nearest whole ns (the generator's resolution). */
export const periodNsOfHz = (hz: number) => Math.round(1e9 / hz);
export const hzOfPeriodNs = (ns: number) => 1e9 / ns;

// ---- formatting -----------------------------------------------------------------------------------

/** "1 000 000" — digits grouped by three with thin spaces (ps values are long). */
export function groupDigits(n: number): string {
  const s = String(Math.trunc(Math.abs(n)));
  return (n < 0 ? '-' : '') + s.replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009');
}

/** Rate with a unit: "1000/s", "100.0k/s". */
export function formatRate(perS: number): string {
  if (perS >= 10_000) return `${(perS / 1000).toFixed(1)}k/s`;
  return `${Math.round(perS)}/s`;
}

/** A histogram bin's range, "512 ns – 1.02 µs". */
export function binLabel(lowerNs: number): string {
  return `${formatNs(lowerNs)} – ${formatNs(lowerNs * 2)}`;
}

export function formatNs(ns: number): string {
  if (ns >= 1e9) return `${+(ns / 1e9).toPrecision(3)} s`;
  if (ns >= 1e6) return `${+(ns / 1e6).toPrecision(3)} ms`;
  if (ns >= 1e3) return `${+(ns / 1e3).toPrecision(3)} µs`;
  return `${ns} ns`;
}

/** The bins worth drawing: from the first to the last non-empty one (empty when no interval). */
export function histogramBars(
  h: TdcHistogram | undefined,
  channel: number,
): { label: string; count: number }[] {
  const counts = h?.counts[channel - 1];
  if (!h || !counts) return [];
  const first = counts.findIndex((c) => c > 0);
  if (first < 0) return [];
  let last = counts.length - 1;
  while (counts[last] === 0) last--;
  const out = [];
  for (let k = first; k <= last; k++) out.push({ label: binLabel(h.lowerNs[k]), count: counts[k] });
  return out;
}

/** The histogram's text alternative: "channel 1 intervals: 2400 in 524 µs – 1.05 ms". */
export function histogramText(h: TdcHistogram | undefined, channel: number): string {
  const bars = histogramBars(h, channel).filter((b) => b.count > 0);
  if (bars.length === 0) return `channel ${channel} intervals: none yet`;
  return `channel ${channel} intervals: ${bars.map((b) => `${b.count} in ${b.label}`).join('; ')}`;
}

// ---- exports ------------------------------------------------------------------------------------

/** CSV of every exported timestamp, by time: channel, index, seconds, ps. */
export function timestampsCsv(channels: readonly TdcExportChannel[]): string {
  const rows: [number, number, number, number][] = [];
  for (const c of channels)
    for (let i = 0; i < c.seconds.length; i++)
      rows.push([c.channel, c.firstIndex + i, c.seconds[i], c.ps[i]]);
  rows.sort((a, b) => a[2] - b[2] || a[3] - b[3] || a[0] - b[0]);
  const lines = ['channel,index,seconds,ps'];
  for (const r of rows) lines.push(r.join(','));
  return `${lines.join('\n')}\n`;
}

const VCD_IDS = ['!', '"', '#', '$', '%'];

/**
 * A VCD of the pulses behind the exported timestamps: one wire per channel, a rising edge at each
 * timestamp and a falling edge `widthsNs[ch-1]` later (cut short by the next rising edge).
 * Timescale 1 ps, time 0 at the first timestamp.
 */
export function timestampsVcd(channels: readonly TdcExportChannel[], widthsNs: readonly number[]): string {
  const edges: { t: number; id: string; v: 0 | 1 }[] = [];
  let t0 = Number.POSITIVE_INFINITY;
  for (const c of channels)
    for (let i = 0; i < c.seconds.length; i++) t0 = Math.min(t0, c.seconds[i] * 1e12 + c.ps[i]);
  for (const c of channels) {
    const id = VCD_IDS[c.channel - 1];
    const widthPs = (widthsNs[c.channel - 1] ?? 100) * 1000;
    for (let i = 0; i < c.seconds.length; i++) {
      const rise = c.seconds[i] * 1e12 + c.ps[i] - t0;
      const next = i + 1 < c.seconds.length ? c.seconds[i + 1] * 1e12 + c.ps[i + 1] - t0 : Infinity;
      edges.push({ t: rise, id, v: 1 });
      edges.push({ t: Math.min(rise + widthPs, next), id, v: 0 });
    }
  }
  edges.sort((a, b) => a.t - b.t || a.v - b.v);
  const out = [
    '$date exported from Device Lab $end',
    '$version Device Lab TDC panel $end',
    '$timescale 1 ps $end',
    '$scope module fmc_tdc $end',
  ];
  for (const c of channels) out.push(`$var wire 1 ${VCD_IDS[c.channel - 1]} ch${c.channel} $end`);
  out.push('$upscope $end', '$enddefinitions $end', '#0', '$dumpvars');
  for (const c of channels) out.push(`0${VCD_IDS[c.channel - 1]}`);
  out.push('$end');
  let last = -1;
  for (const e of edges) {
    const t = Math.round(e.t);
    if (t !== last) {
      out.push(`#${t}`);
      last = t;
    }
    out.push(`${e.v}${e.id}`);
  }
  return `${out.join('\n')}\n`;
}

/** Offers text as a file download (the browser's own save dialog). */
export function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}
