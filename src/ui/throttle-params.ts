// The 19 throttle limits in QMP names (throttle.md §12), the ranges their sliders offer, and
// how one slider change becomes one full `block_set_io_throttle` (the command replaces the whole
// configuration, so every call carries all of it with one field changed).
import type { QmpCommand } from '../emu/control/qmp-types';

export const BASE_PARAMS = ['iops', 'iops_rd', 'iops_wr', 'bps', 'bps_rd', 'bps_wr'] as const;
export type BaseParam = (typeof BASE_PARAMS)[number];
export const MAX_PARAMS = BASE_PARAMS.map((b) => `${b}_max`);
export const LENGTH_PARAMS = BASE_PARAMS.map((b) => `${b}_max_length`);
export const ALL_PARAMS: readonly string[] = [...BASE_PARAMS, ...MAX_PARAMS, ...LENGTH_PARAMS, 'iops_size'];

export interface SliderRange {
  min: number;
  max: number;
  step: number;
}

/** Slider range for a parameter; the number input beside it takes any integer. */
export function sliderRange(param: string, current: number): SliderRange {
  let r: SliderRange;
  if (param.endsWith('_length')) r = { min: 1, max: 120, step: 1 };
  else if (param === 'iops_size') r = { min: 0, max: 1 << 20, step: 512 };
  else if (param.startsWith('iops')) r = { min: 0, max: param.endsWith('_max') ? 50_000 : 20_000, step: 100 };
  else r = { min: 0, max: param.endsWith('_max') ? 1_000_000_000 : 500_000_000, step: 1_000_000 };
  if (current > r.max) r = { ...r, max: current * 2 };
  return r;
}

/** The group's configuration as `query-block` reports it for a member (throttle.md §14). */
export function configFromInserted(inserted: Record<string, unknown> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  const num = (k: string) => (typeof inserted?.[k] === 'number' ? (inserted[k] as number) : 0);
  for (const b of BASE_PARAMS) {
    out[b] = num(b);
    const max = num(`${b}_max`);
    if (max !== 0) {
      out[`${b}_max`] = max;
      out[`${b}_max_length`] = num(`${b}_max_length`) || 1;
    }
  }
  if (num('iops_size') !== 0) out.iops_size = num('iops_size');
  return out;
}

/** The value shown for a parameter (burst lengths read 1 when not configured, as QEMU's default). */
export function paramValue(config: Record<string, number>, param: string): number {
  return config[param] ?? (param.endsWith('_length') ? 1 : 0);
}

/**
 * One block_set_io_throttle applying `config` with `param` set to `value` to `device`'s group.
 * Clearing a burst (`*_max` = 0) also drops its length, which QEMU would otherwise reject.
 */
export function throttleCommand(
  device: string,
  group: string,
  config: Record<string, number>,
  param?: string,
  value?: number,
): QmpCommand {
  const args: Record<string, unknown> = { device, ...config };
  if (param !== undefined && value !== undefined) {
    args[param] = value;
    if (param.endsWith('_max') && value === 0) delete args[`${param}_length`];
  }
  args.group = group;
  return { execute: 'block_set_io_throttle', arguments: args };
}

/** Takes a disk out of throttling: all six base limits 0 (throttle.md §12). */
export function unthrottleCommand(device: string): QmpCommand {
  const args: Record<string, unknown> = { device };
  for (const b of BASE_PARAMS) args[b] = 0;
  return { execute: 'block_set_io_throttle', arguments: args };
}

/** Parses an exact number input: an integer (negative allowed, QEMU judges it) or an error. */
export function parseLimit(text: string): number | string {
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) return 'Enter a whole number';
  return Number(t);
}
