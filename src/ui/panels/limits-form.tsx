// Every limit of one throttle group, laid out by bucket: rows iops … bps_wr, columns limit /
// burst (`*_max`) / burst length (`*_max_length`), then iops_size. Each change sends one full
// block_set_io_throttle through a member of the group (QEMU replaces, never merges).
import { memo } from 'react';
import { qmp, qmpError } from '../lab-client';
import { BASE_PARAMS, paramValue, throttleCommand } from '../throttle-params';
import { LimitControl } from './limit-control';

interface Props {
  group: string;
  /** The member the commands name as `device`. */
  device: string;
  /** The group's current configuration in QMP names. */
  config: Record<string, number>;
}

function LimitsFormView({ group, device, config }: Props) {
  const apply = async (param: string, value: number) =>
    qmpError(await qmp(throttleCommand(device, group, config, param, value)));
  const control = (param: string) => (
    <LimitControl
      key={param}
      group={group}
      param={param}
      value={paramValue(config, param)}
      apply={(v) => apply(param, v)}
    />
  );
  return (
    <fieldset className="limits-form">
      <legend>Limits</legend>
      <div className="limits-grid">
        <span className="col-head">limit</span>
        <span className="col-head">burst</span>
        <span className="col-head">burst length (s)</span>
        {BASE_PARAMS.map((b) => [control(b), control(`${b}_max`), control(`${b}_max_length`)])}
        {control('iops_size')}
      </div>
    </fieldset>
  );
}

const sameConfig = (a: Record<string, number>, b: Record<string, number>) => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
};

/** Re-renders only when the group's configuration (or the member it talks through) changes. */
export const LimitsForm = memo(
  LimitsFormView,
  (a, b) => a.group === b.group && a.device === b.device && sameConfig(a.config, b.config),
);
