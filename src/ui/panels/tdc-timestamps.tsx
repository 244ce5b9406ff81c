// The last decoded timestamps (channel, seconds, ps, delivery number), newest first.
import { useState } from 'react';
import { useLab } from '../store';
import { ChannelSelect, ViewHead } from './tdc-machine-inputs';
import { groupDigits } from './tdc-state';

const ROWS_SHOWN = 16;

export function TdcTimestamps() {
  const recent = useLab((s) => s.tdc.recent);
  const [channel, setChannel] = useState(0);
  const rows = recent
    .filter((r) => channel === 0 || r.channel === channel)
    .sort((a, b) => b.seconds - a.seconds || b.ps - a.ps)
    .slice(0, ROWS_SHOWN)
    // Rows keyed by position: each update changes their text in place rather than replacing them.
    .map((r, slot) => ({ ...r, slot }));
  return (
    <div className="tdc-view">
      <ViewHead id="tdc-ts-title" title="Last decoded timestamps">
        <ChannelSelect name="timestamps channel" value={channel} all onChange={setChannel} />
      </ViewHead>
      <div className="table-scroll tdc-ts-scroll">
        <table aria-labelledby="tdc-ts-title" className="tdc-table">
          <thead>
            <tr>
              <th scope="col">ch</th>
              <th scope="col" className="num">
                seconds
              </th>
              <th scope="col" className="num">
                ps
              </th>
              <th scope="col" className="num" title="delivery number on that channel">
                #
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  no timestamps yet: start a pulse generator
                </td>
              </tr>
            )}
            {rows.map((r) => (
              <tr key={r.slot}>
                <td>{r.channel}</td>
                <td className="num">{r.seconds}</td>
                <td className="num">{groupDigits(r.ps)}</td>
                <td className="num">{r.index.toLocaleString('en-US')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
