// Moves one disk between throttle groups (block_set_io_throttle with `group`), takes it out of
// throttling (all base limits 0), or creates a new group with the disk's current limits.
import { useState } from 'react';
import { qmp, qmpError } from '../lab-client';
import type { BlockInfo, ThrottleGroupInfo } from '../qmp-shapes';
import { configFromInserted, throttleCommand, unthrottleCommand } from '../throttle-params';

const NONE = '';
const NEW = '\u0000new';
/** Limits a disk gets when it is put in a new group while not throttled. */
const NEW_GROUP_DEFAULT = { iops: 1000, iops_rd: 0, iops_wr: 0, bps: 0, bps_rd: 0, bps_wr: 0 };

interface Props {
  disk: BlockInfo;
  blocks: BlockInfo[];
  groups: ThrottleGroupInfo[];
}

export function DiskGroupSelect({ disk, blocks, groups }: Props) {
  const current = disk.inserted?.group ?? NONE;
  const [choosingNew, setChoosingNew] = useState(false);
  const [name, setName] = useState('');
  const [error, setError] = useState<string>();

  const configOf = (group: string) => {
    const g = groups.find((x) => x.name === group);
    const member = blocks.find((b) => g?.members.includes(b.device) && b.device !== disk.device);
    return member?.inserted ? configFromInserted(member.inserted) : { ...(g?.limits ?? {}) };
  };
  const run = async (cmd: Parameters<typeof qmp>[0]) => setError(qmpError(await qmp(cmd)));

  const onSelect = (value: string) => {
    if (value === NEW) {
      setChoosingNew(true);
      return;
    }
    setChoosingNew(false);
    if (value === current) return;
    if (value === NONE) run(unthrottleCommand(disk.device));
    else run(throttleCommand(disk.device, value, configOf(value)));
  };

  const createGroup = () => {
    const n = name.trim();
    if (!n) {
      setError('Enter a group name');
      return;
    }
    const own = current ? configFromInserted(disk.inserted) : NEW_GROUP_DEFAULT;
    run(throttleCommand(disk.device, n, own)).then(() => setChoosingNew(false));
  };

  return (
    <div className="disk-group">
      <select
        aria-label={`${disk.device} group`}
        value={choosingNew ? NEW : current}
        onChange={(e) => onSelect(e.target.value)}
      >
        <option value={NONE}>(not throttled)</option>
        {groups.map((g) => (
          <option key={g.name} value={g.name}>
            {g.name}
          </option>
        ))}
        <option value={NEW}>new group…</option>
      </select>
      {choosingNew && (
        <span className="new-group">
          <input
            aria-label={`${disk.device} new group name`}
            placeholder="name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => e.key === 'Enter' && createGroup()}
          />
          <button type="button" onClick={createGroup}>
            Create
          </button>
        </span>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </div>
  );
}
