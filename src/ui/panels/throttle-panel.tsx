// The throttle groups, one card each.
import { useLab } from '../store';
import { GroupCard } from './group-card';

export function ThrottlePanel() {
  const groups = useLab((s) => s.groups);
  const blocks = useLab((s) => s.blocks);
  return (
    <section className="panel throttle-panel" aria-labelledby="throttle-title">
      <h2 id="throttle-title">Throttle groups</h2>
      {groups.length === 0 && <p className="muted">No throttled disks in this lab.</p>}
      {groups.map((g) => (
        <GroupCard key={g.name} group={g} blocks={blocks} />
      ))}
    </section>
  );
}
