// Every disk: its group (movable), its guest workload (editable) and its measured totals.
import { useLab } from '../store';
import { DiskGroupSelect } from './disk-group-select';
import { WorkloadForm } from './workload-form';

export function DisksPanel() {
  const blocks = useLab((s) => s.blocks);
  const groups = useLab((s) => s.groups);
  const stats = useLab((s) => s.blockstats);
  return (
    <section className="panel disks-panel" aria-labelledby="disks-title">
      <h2 id="disks-title">Disks</h2>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">disk</th>
              <th scope="col">group</th>
              <th scope="col">workload</th>
              <th scope="col" className="num">
                reads
              </th>
              <th scope="col" className="num">
                writes
              </th>
            </tr>
          </thead>
          <tbody>
            {blocks.map((b) => {
              const s = stats.find((x) => x.device === b.device)?.stats;
              return (
                <tr key={b.device}>
                  <th scope="row">
                    {b.device}
                    <div className="muted small">{b.inserted?.file}</div>
                  </th>
                  <td>
                    <DiskGroupSelect disk={b} blocks={blocks} groups={groups} />
                  </td>
                  <td>
                    <WorkloadForm device={b.device} />
                  </td>
                  <td className="num">{s?.rd_operations.toLocaleString('en-US')}</td>
                  <td className="num">{s?.wr_operations.toLocaleString('en-US')}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
