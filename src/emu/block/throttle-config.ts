// Throttle configuration: the six buckets, their names on every entry point, defaults,
// QEMU's validation (throttle.md §2, §3, §9) and the query-block rendering (§14).
//
// Every name table lives here once; the command-line parser/exporter and the QMP handlers
// import them. Values are stored as given (JS numbers). A negative value stands for QEMU's
// wrap of a signed QMP int into uint64 and is compared as value + 2^64 (§9.1 a, d).

/** Bucket order of QEMU's ThrottleBucketType, also the validation walk order (§2.2). */
export const BPS_TOTAL = 0;
export const BPS_READ = 1;
export const BPS_WRITE = 2;
export const OPS_TOTAL = 3;
export const OPS_READ = 4;
export const OPS_WRITE = 5;
export const BUCKET_COUNT = 6;

/** Bucket names as the reference traces and effective_buckets spell them. */
export const BUCKET_KEYS = [
  'bps_total',
  'bps_read',
  'bps_write',
  'iops_total',
  'iops_read',
  'iops_write',
] as const;

/** QMP block_set_io_throttle / query-block names, by bucket. */
export const QMP_AVG_NAMES = ['bps', 'bps_rd', 'bps_wr', 'iops', 'iops_rd', 'iops_wr'] as const;
export const QMP_MAX_NAMES = QMP_AVG_NAMES.map((n) => `${n}_max`);
export const QMP_LENGTH_NAMES = QMP_AVG_NAMES.map((n) => `${n}_max_length`);
export const QMP_IOPS_SIZE = 'iops_size';

/** ThrottleLimits (throttle-group `limits`) names, by bucket; -drive adds `throttling.`, -object `x-`. */
export const LIMITS_AVG_NAMES = [
  'bps-total',
  'bps-read',
  'bps-write',
  'iops-total',
  'iops-read',
  'iops-write',
] as const;
export const LIMITS_MAX_NAMES = LIMITS_AVG_NAMES.map((n) => `${n}-max`);
export const LIMITS_LENGTH_NAMES = LIMITS_AVG_NAMES.map((n) => `${n}-max-length`);
export const LIMITS_IOPS_SIZE = 'iops-size';

export const DRIVE_PREFIX = 'throttling.';
export const OBJECT_PREFIX = 'x-';
export const DRIVE_GROUP = `${DRIVE_PREFIX}group`;

/** -drive names (20, §13.1) in bucket order: avg, max, length, then iops-size and group. */
export const DRIVE_AVG_NAMES = LIMITS_AVG_NAMES.map((n) => DRIVE_PREFIX + n);
export const DRIVE_MAX_NAMES = LIMITS_MAX_NAMES.map((n) => DRIVE_PREFIX + n);
export const DRIVE_LENGTH_NAMES = LIMITS_LENGTH_NAMES.map((n) => DRIVE_PREFIX + n);
export const DRIVE_IOPS_SIZE = DRIVE_PREFIX + LIMITS_IOPS_SIZE;

/** -drive legacy aliases: new name -> old name (no alias for the -max-length options). */
export const DRIVE_LEGACY_ALIASES: Readonly<Record<string, string>> = Object.fromEntries([
  ...DRIVE_AVG_NAMES.map((n, i) => [n, QMP_AVG_NAMES[i]]),
  ...DRIVE_MAX_NAMES.map((n, i) => [n, QMP_MAX_NAMES[i]]),
  [DRIVE_IOPS_SIZE, QMP_IOPS_SIZE],
  [DRIVE_GROUP, 'group'],
]);

/** Maps each -drive throttling name (and legacy alias) to the QMP argument name. */
export const DRIVE_TO_QMP: Readonly<Record<string, string>> = Object.fromEntries([
  ...DRIVE_AVG_NAMES.map((n, i) => [n, QMP_AVG_NAMES[i]]),
  ...DRIVE_MAX_NAMES.map((n, i) => [n, QMP_MAX_NAMES[i]]),
  ...DRIVE_LENGTH_NAMES.map((n, i) => [n, QMP_LENGTH_NAMES[i]]),
  [DRIVE_IOPS_SIZE, QMP_IOPS_SIZE],
]);

/** Maps ThrottleLimits names to QMP names. */
export const LIMITS_TO_QMP: Readonly<Record<string, string>> = Object.fromEntries([
  ...LIMITS_AVG_NAMES.map((n, i) => [n, QMP_AVG_NAMES[i]]),
  ...LIMITS_MAX_NAMES.map((n, i) => [n, QMP_MAX_NAMES[i]]),
  ...LIMITS_LENGTH_NAMES.map((n, i) => [n, QMP_LENGTH_NAMES[i]]),
  [LIMITS_IOPS_SIZE, QMP_IOPS_SIZE],
]);

/** All 19 numeric QMP names in BlockIOThrottle order (avg, max, length, iops_size). */
export const QMP_NUMERIC_NAMES: readonly string[] = [
  ...QMP_AVG_NAMES,
  ...QMP_MAX_NAMES,
  ...QMP_LENGTH_NAMES,
  QMP_IOPS_SIZE,
];

export const THROTTLE_VALUE_MAX = 1e15;
export const UINT_MAX = 4294967295;

/** A throttle configuration as QEMU stores it (ThrottleConfig without levels). */
export interface ThrottleConfig {
  avg: number[];
  max: number[];
  burstLength: number[];
  opSize: number;
}

export const MSG_CONFLICT = 'bps/iops/max total values and read/write values cannot be used at the same time';
export const MSG_IOPS_SIZE = 'iops size requires an iops value to be set';
export const MSG_RANGE = 'bps/iops/max values must be within [0, 1000000000000000]';
export const MSG_LENGTH_ZERO = 'the burst length cannot be 0';
export const MSG_LENGTH_NO_MAX = 'burst length set without burst rate';
export const MSG_LENGTH_TOO_HIGH = 'burst length too high for this burst rate';
export const MSG_MAX_NO_AVG = 'bps_max/iops_max require corresponding bps/iops values';
export const MSG_MAX_BELOW_AVG = 'bps_max/iops_max cannot be lower than bps/iops';

/** Defaults (§3.1): everything 0, burst length 1. */
export function defaultConfig(): ThrottleConfig {
  return { avg: [0, 0, 0, 0, 0, 0], max: [0, 0, 0, 0, 0, 0], burstLength: [1, 1, 1, 1, 1, 1], opSize: 0 };
}

export function cloneConfig(c: ThrottleConfig): ThrottleConfig {
  return { avg: [...c.avg], max: [...c.max], burstLength: [...c.burstLength], opSize: c.opSize };
}

/** Throttling is enabled when any base limit is non-zero. */
export function throttleEnabled(c: ThrottleConfig): boolean {
  return c.avg.some((v) => v !== 0);
}

/** QMP ints are int64 stored as uint64: a negative value wraps (compared as value + 2^64). */
function u64(v: number): number {
  return v < 0 ? v + 2 ** 64 : v;
}

/** One entry point's 19 numeric names: per bucket avg, max and length, then iops-size. */
export interface ThrottleNameSet {
  avg: readonly string[];
  max: readonly string[];
  length: readonly string[];
  size: string;
}

export const QMP_NAME_SET: ThrottleNameSet = {
  avg: QMP_AVG_NAMES,
  max: QMP_MAX_NAMES,
  length: QMP_LENGTH_NAMES,
  size: QMP_IOPS_SIZE,
};
export const LIMITS_NAME_SET: ThrottleNameSet = {
  avg: LIMITS_AVG_NAMES,
  max: LIMITS_MAX_NAMES,
  length: LIMITS_LENGTH_NAMES,
  size: LIMITS_IOPS_SIZE,
};
/** The throttle-group object's x- properties. */
export const OBJECT_NAME_SET: ThrottleNameSet = {
  avg: LIMITS_AVG_NAMES.map((n) => OBJECT_PREFIX + n),
  max: LIMITS_MAX_NAMES.map((n) => OBJECT_PREFIX + n),
  length: LIMITS_LENGTH_NAMES.map((n) => OBJECT_PREFIX + n),
  size: OBJECT_PREFIX + LIMITS_IOPS_SIZE,
};

export function nameSetKeys(names: ThrottleNameSet): string[] {
  return [...names.avg, ...names.max, ...names.length, names.size];
}

/** Copies every numeric value named in `names` from values into c (others left alone). */
export function assignNamed(
  c: ThrottleConfig,
  values: Readonly<Record<string, unknown>>,
  names: ThrottleNameSet,
): ThrottleConfig {
  for (let i = 0; i < BUCKET_COUNT; i++) {
    const avg = values[names.avg[i]];
    const max = values[names.max[i]];
    const len = values[names.length[i]];
    if (typeof avg === 'number') c.avg[i] = avg;
    if (typeof max === 'number') c.max[i] = max;
    if (typeof len === 'number') c.burstLength[i] = len;
  }
  const size = values[names.size];
  if (typeof size === 'number') c.opSize = size;
  return c;
}

/**
 * Builds a config from QMP BlockIOThrottle names, from scratch (§12: replace, not merge).
 * Absent names take their defaults. Types are the caller's business.
 */
export function configFromQmp(args: Readonly<Record<string, unknown>>): ThrottleConfig {
  return assignNamed(defaultConfig(), args, QMP_NAME_SET);
}

/** The config in QMP names (all 19 keys), as x-query-throttle-groups and the exporter use it. */
export function configToQmp(c: ThrottleConfig): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < BUCKET_COUNT; i++) out[QMP_AVG_NAMES[i]] = c.avg[i];
  for (let i = 0; i < BUCKET_COUNT; i++) out[QMP_MAX_NAMES[i]] = c.max[i];
  for (let i = 0; i < BUCKET_COUNT; i++) out[QMP_LENGTH_NAMES[i]] = c.burstLength[i];
  out[QMP_IOPS_SIZE] = c.opSize;
  return out;
}

/**
 * Merges ThrottleLimits names (dashed, all optional) into base, as the group object's
 * `limits` property does. Runs the UINT_MAX length check first (§9.2); returns the message on
 * failure. The result still needs validateConfig().
 */
export function mergeLimits(
  base: ThrottleConfig,
  limits: Readonly<Record<string, unknown>>,
): { config: ThrottleConfig } | { error: string } {
  for (let i = 0; i < BUCKET_COUNT; i++) {
    const len = limits[LIMITS_LENGTH_NAMES[i]];
    if (typeof len === 'number' && (len > UINT_MAX || len < 0)) {
      return { error: `${LIMITS_LENGTH_NAMES[i]} value must be in the range [0, ${UINT_MAX}]` };
    }
  }
  return { config: assignNamed(cloneConfig(base), limits, LIMITS_NAME_SET) };
}

/** QEMU's throttle_is_valid (§9.1): the first failing rule's message, or null when valid. */
export function validateConfig(c: ThrottleConfig): string | null {
  const { avg, max, burstLength } = c;
  if (
    (avg[BPS_TOTAL] !== 0 && (avg[BPS_READ] !== 0 || avg[BPS_WRITE] !== 0)) ||
    (avg[OPS_TOTAL] !== 0 && (avg[OPS_READ] !== 0 || avg[OPS_WRITE] !== 0)) ||
    (max[BPS_TOTAL] !== 0 && (max[BPS_READ] !== 0 || max[BPS_WRITE] !== 0)) ||
    (max[OPS_TOTAL] !== 0 && (max[OPS_READ] !== 0 || max[OPS_WRITE] !== 0))
  ) {
    return MSG_CONFLICT;
  }
  if (c.opSize !== 0 && avg[OPS_TOTAL] === 0 && avg[OPS_READ] === 0 && avg[OPS_WRITE] === 0) {
    return MSG_IOPS_SIZE;
  }
  for (let i = 0; i < BUCKET_COUNT; i++) {
    const a = u64(avg[i]);
    const m = u64(max[i]);
    const len = u64(burstLength[i]);
    if (a > THROTTLE_VALUE_MAX || m > THROTTLE_VALUE_MAX) return MSG_RANGE;
    if (len === 0) return MSG_LENGTH_ZERO;
    if (len > 1 && m === 0) return MSG_LENGTH_NO_MAX;
    if (m !== 0 && len > Math.floor(THROTTLE_VALUE_MAX / m)) return MSG_LENGTH_TOO_HIGH;
    if (m !== 0 && a === 0) return MSG_MAX_NO_AVG;
    if (m !== 0 && m < a) return MSG_MAX_BELOW_AVG;
  }
  return null;
}

export interface EffectiveBucket {
  avg: number;
  max: number;
  burst_length: number;
}
export type EffectiveBuckets = Record<(typeof BUCKET_KEYS)[number], EffectiveBucket> & { iops_size: number };

/** The config as QEMU stores it, in the reference traces' `effective_buckets` form. */
export function effectiveBuckets(c: ThrottleConfig): EffectiveBuckets {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < BUCKET_COUNT; i++) {
    out[BUCKET_KEYS[i]] = { avg: c.avg[i], max: c.max[i], burst_length: c.burstLength[i] };
  }
  out.iops_size = c.opSize;
  return out as EffectiveBuckets;
}

/**
 * query-block's throttle fields of `inserted` (§14): the six base limits always; *_max only when
 * non-zero, each with its *_max_length; iops_size when non-zero; group when enabled.
 */
export function queryBlockThrottleFields(
  c: ThrottleConfig | null,
  group: string | null,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < BUCKET_COUNT; i++) out[QMP_AVG_NAMES[i]] = c ? c.avg[i] : 0;
  if (!c || !throttleEnabled(c)) return out;
  for (let i = 0; i < BUCKET_COUNT; i++) if (c.max[i] !== 0) out[QMP_MAX_NAMES[i]] = c.max[i];
  for (let i = 0; i < BUCKET_COUNT; i++) if (c.max[i] !== 0) out[QMP_LENGTH_NAMES[i]] = c.burstLength[i];
  if (c.opSize !== 0) out[QMP_IOPS_SIZE] = c.opSize;
  if (group !== null) out.group = group;
  return out;
}
