// One row per throttle limit: its QMP name and the names the command line, the throttle-group
// object, libvirt's <iotune> and `virsh blkdeviotune` give it (throttle.md §2.2, §12–§13).
// The QEMU-side names come from block/throttle-config.ts; only libvirt's are added here.
import {
  DRIVE_AVG_NAMES,
  DRIVE_IOPS_SIZE,
  DRIVE_LEGACY_ALIASES,
  DRIVE_LENGTH_NAMES,
  DRIVE_MAX_NAMES,
  LIMITS_AVG_NAMES,
  LIMITS_IOPS_SIZE,
  LIMITS_LENGTH_NAMES,
  LIMITS_MAX_NAMES,
  QMP_AVG_NAMES,
  QMP_IOPS_SIZE,
  QMP_LENGTH_NAMES,
  QMP_MAX_NAMES,
  QMP_NUMERIC_NAMES,
} from '../block/throttle-config';

export interface LimitNames {
  /** block_set_io_throttle / query-block name, e.g. "iops_max_length". */
  qmp: string;
  /** -drive option, e.g. "throttling.iops-total-max-length". */
  drive: string;
  /** ThrottleLimits name; the throttle-group object property is "x-" + this. */
  dashed: string;
  /** Legacy -drive alias, where one exists (none for the -max-length options). */
  legacy?: string;
  /** libvirt <iotune> element; the virsh option is "--" + this with "_" as "-". */
  libvirt: string;
}

/** libvirt's <iotune> names of the six base limits, in bucket order. */
const LIBVIRT_AVG_NAMES = [
  'total_bytes_sec',
  'read_bytes_sec',
  'write_bytes_sec',
  'total_iops_sec',
  'read_iops_sec',
  'write_iops_sec',
];

function row(qmp: string, drive: string, dashed: string, libvirt: string): LimitNames {
  const names: LimitNames = { qmp, drive, dashed, libvirt };
  const legacy = DRIVE_LEGACY_ALIASES[drive];
  if (legacy !== undefined) names.legacy = legacy;
  return names;
}

/** The 19 numeric limits: six base limits, six bursts, six burst lengths, iops_size. */
export const LIMIT_NAMES: readonly LimitNames[] = [
  ...QMP_AVG_NAMES.map((q, i) => row(q, DRIVE_AVG_NAMES[i], LIMITS_AVG_NAMES[i], LIBVIRT_AVG_NAMES[i])),
  ...QMP_MAX_NAMES.map((q, i) =>
    row(q, DRIVE_MAX_NAMES[i], LIMITS_MAX_NAMES[i], `${LIBVIRT_AVG_NAMES[i]}_max`),
  ),
  ...QMP_LENGTH_NAMES.map((q, i) =>
    row(q, DRIVE_LENGTH_NAMES[i], LIMITS_LENGTH_NAMES[i], `${LIBVIRT_AVG_NAMES[i]}_max_length`),
  ),
  row(QMP_IOPS_SIZE, DRIVE_IOPS_SIZE, LIMITS_IOPS_SIZE, 'size_iops_sec'),
];

export const BASE_LIMIT_KEYS: readonly string[] = QMP_AVG_NAMES;
export const THROTTLE_QMP_KEYS: readonly string[] = QMP_NUMERIC_NAMES;

/** Limits in canonical form: zero limits dropped, a burst length of 1 dropped (its default). */
export function normaliseLimits(
  limits: Readonly<Record<string, number>> | undefined,
): Record<string, number> {
  const out: Record<string, number> = {};
  if (!limits) return out;
  for (const { qmp } of LIMIT_NAMES) {
    const v = limits[qmp];
    if (v === undefined || v === 0) continue;
    if (qmp.endsWith('_max_length') && v === 1) continue;
    out[qmp] = v;
  }
  return out;
}

/** Throttling is enabled when any of the six base limits is non-zero (throttle.md §3.1). */
export function isThrottled(limits: Readonly<Record<string, number>> | undefined): boolean {
  return !!limits && BASE_LIMIT_KEYS.some((k) => (limits[k] ?? 0) !== 0);
}
