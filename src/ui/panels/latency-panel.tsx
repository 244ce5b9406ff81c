// Latency and queue depth per disk over a chosen interval: x-blockstats-intervals sets the
// interval, query-blockstats' timed_stats report it (QEMU's stats-intervals).
import { useState } from 'react';
import { qmp, qmpError } from '../lab-client';
import type { TimedStats } from '../qmp-shapes';
import { useLab } from '../store';

const INTERVALS_S = [1, 5, 10, 60];
const ms = (ns: number | undefined) => (ns === undefined ? '–' : (ns / 1e6).toFixed(2));
const qd = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(1));

export function LatencyPanel() {
  const blocks = useLab((s) => s.blocks);
  const stats = useLab((s) => s.blockstats);
  const [intervalS, setIntervalS] = useState(1);
  const [error, setError] = useState<string>();

  const applyInterval = async (seconds: number) => {
    setIntervalS(seconds);
    for (const b of blocks) {
      const err = qmpError(
        await qmp({
          execute: 'x-blockstats-intervals',
          arguments: { device: b.device, intervals: [seconds] },
        }),
      );
      if (err) {
        setError(err);
        return;
      }
    }
    setError(undefined);
  };

  return (
    <section className="panel latency-panel" aria-labelledby="latency-title">
      <h2 id="latency-title">Latency and queue depth</h2>
      <label className="inline">
        <span>interval</span>
        <select
          value={intervalS}
          onChange={(e) => applyInterval(Number(e.target.value))}
          aria-label="stats interval"
        >
          {INTERVALS_S.map((s) => (
            <option key={s} value={s}>
              {s} s
            </option>
          ))}
        </select>
      </label>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="table-scroll">
        <table aria-label="latency per disk">
          <thead>
            <tr>
              <th scope="col">disk</th>
              <th scope="col" className="num">
                read avg ms (min–max)
              </th>
              <th scope="col" className="num">
                write avg ms (min–max)
              </th>
              <th scope="col" className="num">
                queue rd / wr
              </th>
              <th scope="col" className="num">
                all-time mean ms
              </th>
            </tr>
          </thead>
          <tbody>
            {stats.map(({ device, stats: s }) => {
              const t: TimedStats | undefined =
                s.timed_stats?.find((x) => x.interval_length === intervalS) ?? s.timed_stats?.[0];
              const allRd = s.rd_operations ? s.rd_total_time_ns / s.rd_operations : undefined;
              const allWr = s.wr_operations ? s.wr_total_time_ns / s.wr_operations : undefined;
              return (
                <tr key={device}>
                  <th scope="row">{device}</th>
                  <td className="num">
                    {ms(t?.avg_rd_latency_ns)} ({ms(t?.min_rd_latency_ns)}–{ms(t?.max_rd_latency_ns)})
                  </td>
                  <td className="num">
                    {ms(t?.avg_wr_latency_ns)} ({ms(t?.min_wr_latency_ns)}–{ms(t?.max_wr_latency_ns)})
                  </td>
                  <td className="num">
                    {qd(t?.avg_rd_queue_depth)} / {qd(t?.avg_wr_queue_depth)}
                  </td>
                  <td className="num">
                    rd {ms(allRd)} · wr {ms(allWr)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
