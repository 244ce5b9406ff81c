// Histogram of the intervals between consecutive timestamps of one channel (log2 bins), as a
// bar chart with its text alternative. The worker sends it about twice a second.
import { memo, useState } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { TdcHistogram as Histogram } from '../../worker/tdc-protocol';
import { useLab } from '../store';
import { ChannelSelect, ViewHead } from './tdc-machine-inputs';
import { histogramBars, histogramText } from './tdc-state';

const Chart = memo(function Chart({ histogram, channel }: { histogram?: Histogram; channel: number }) {
  const bars = histogramBars(histogram, channel);
  if (bars.length === 0) return <p className="muted tdc-chart-empty">no intervals yet</p>;
  return (
    <ResponsiveContainer width="100%" height={180}>
      <BarChart data={bars} margin={{ top: 6, right: 8, bottom: 0, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="label" tick={{ fontSize: 10 }} interval="preserveStartEnd" />
        <YAxis tick={{ fontSize: 10 }} width={48} allowDecimals={false} />
        <Tooltip isAnimationActive={false} />
        <Bar dataKey="count" fill="#2563eb" maxBarSize={48} isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
});

export function TdcHistogram() {
  const histogram = useLab((s) => s.tdc.histogram);
  const [channel, setChannel] = useState(1);
  const text = histogramText(histogram, channel);
  return (
    <div className="tdc-view">
      <ViewHead id="tdc-hist-title" title="Intervals between timestamps">
        <ChannelSelect name="histogram channel" value={channel} onChange={setChannel} />
      </ViewHead>
      <figure className="tdc-chart" aria-label={text}>
        <Chart histogram={histogram} channel={channel} />
      </figure>
      <details className="small">
        <summary>histogram as text</summary>
        <p className="tdc-hist-text">{text}</p>
      </details>
    </div>
  );
}
