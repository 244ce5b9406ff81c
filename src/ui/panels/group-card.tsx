// One throttle group: its members, measured rates, bucket levels (when the machine reports
// them), two live charts and the limits form. Memoised: a tick that leaves the group and the
// disks unchanged (store.ts keeps equal query results) does not re-render it.
import { memo, useMemo } from 'react';
import type { BlockInfo, ThrottleGroupInfo } from '../qmp-shapes';
import { configFromInserted } from '../throttle-params';
import { BucketLevels } from './bucket-levels';
import { GroupChart } from './group-chart';
import { LimitsForm } from './limits-form';

const fmt = (v: number) => Math.round(v).toLocaleString('en-US');

export const GroupCard = memo(function GroupCard({
  group,
  blocks,
}: {
  group: ThrottleGroupInfo;
  blocks: BlockInfo[];
}) {
  const member = blocks.find((b) => group.members.includes(b.device));
  const inserted = member?.inserted;
  const config = useMemo(
    () => (inserted ? configFromInserted(inserted) : { ...group.limits }),
    [inserted, group.limits],
  );
  const headingId = `group-${group.name}`;
  return (
    <section className="group-card" aria-labelledby={headingId}>
      <header>
        <h3 id={headingId}>
          group <code>{group.name}</code>
        </h3>
        <p className="members">
          members:{' '}
          {group.members.map((m) => (
            <span key={m} className="chip">
              {m}
            </span>
          ))}
        </p>
        <p className="rates">
          {fmt(group.iops)} IOPS · {(group.bps / 1e6).toFixed(1)} MB/s
        </p>
      </header>
      <div className="group-body">
        <div className="group-charts">
          <GroupChart group={group} unit="iops" />
          <GroupChart group={group} unit="bps" />
          <BucketLevels group={group.name} levels={group.levels} limits={config} />
        </div>
        {member && <LimitsForm group={group.name} device={member.device} config={config} />}
      </div>
    </section>
  );
});
