// The guest driver's counters per channel (as x-query-tdc reports them) with the delivered rate.
import type { TdcChannelView } from '../../worker/tdc-protocol';
import { useLab } from '../store';
import { formatRate } from './tdc-state';

const COLUMNS: { key: keyof TdcChannelView; text: string; counter: string }[] = [
  { key: 'timestamps', text: 'timestamps', counter: 'timestamps' },
  { key: 'duplicates', text: 'duplicates', counter: 'duplicates' },
  { key: 'sequenceGaps', text: 'seq. gaps', counter: 'sequence-gaps' },
  { key: 'dropped', text: 'dropped', counter: 'dropped' },
  { key: 'dmaErrors', text: 'DMA errors', counter: 'dma-errors' },
  { key: 'dmaRetries', text: 'retries', counter: 'dma-retries' },
  { key: 'dmaRecoveries', text: 'recoveries', counter: 'dma-recoveries' },
];

export function TdcCounters() {
  const channels = useLab((s) => s.tdc.channels);
  return (
    <div className="tdc-view">
      <h3 id="tdc-counters-title">Driver counters</h3>
      <div className="table-scroll">
        <table aria-labelledby="tdc-counters-title" className="tdc-table">
          <thead>
            <tr>
              <th scope="col">ch</th>
              <th scope="col" className="num">
                rate
              </th>
              {COLUMNS.map((c) => (
                <th key={c.key} scope="col" className="num">
                  {c.text}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {channels.map((v) => (
              <tr key={v.channel} className={v.enabled ? undefined : 'muted'}>
                <th scope="row">{v.channel}</th>
                <td className="num" data-channel={v.channel} data-counter="rate">
                  {formatRate(v.ratePerS)}
                </td>
                {COLUMNS.map((c) => (
                  <td
                    key={c.key}
                    className={`num${c.key !== 'timestamps' && (v[c.key] as number) > 0 ? ' tdc-nonzero' : ''}`}
                    data-channel={v.channel}
                    data-counter={c.counter}
                  >
                    {(v[c.key] as number).toLocaleString('en-US')}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
