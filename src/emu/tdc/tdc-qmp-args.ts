// Argument validation for the TDC lab commands (automation.md §2), with QEMU's wording: a missing
// argument, a wrong type, an unexpected argument. Every check runs before any state changes.
import { QmpError } from '../control/qmp-types';

export type Args = Record<string, unknown>;

/** Rejects arguments the command does not take ("Parameter 'x' is unexpected"). */
export function onlyKnown(args: Args, known: readonly string[]): void {
  for (const key of Object.keys(args)) {
    if (!known.includes(key)) throw new QmpError('GenericError', `Parameter '${key}' is unexpected`);
  }
}

function typeError(name: string, expected: string): QmpError {
  return new QmpError('GenericError', `Invalid parameter type for '${name}', expected: ${expected}`);
}

/** An integer argument within [min, max]; `fallback` when absent (required if undefined). */
export function intArg(args: Args, name: string, min: number, max: number, fallback?: number): number {
  const v = args[name];
  if (v === undefined) {
    if (fallback !== undefined) return fallback;
    throw new QmpError('GenericError', `Parameter '${name}' is missing`);
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) throw typeError(name, 'integer');
  if (v < min || v > max)
    throw new QmpError('GenericError', `Parameter '${name}' expects a value between ${min} and ${max}`);
  return v;
}

/** A finite number argument within [min, max]. */
export function numberArg(args: Args, name: string, min: number, max: number): number {
  const v = args[name];
  if (v === undefined) throw new QmpError('GenericError', `Parameter '${name}' is missing`);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw typeError(name, 'number');
  if (v < min || v > max)
    throw new QmpError('GenericError', `Parameter '${name}' expects a value between ${min} and ${max}`);
  return v;
}

export function optionalBool(args: Args, name: string): boolean | undefined {
  const v = args[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw typeError(name, 'boolean');
  return v;
}

export function stringArg(args: Args, name: string): string {
  const v = args[name];
  if (v === undefined) throw new QmpError('GenericError', `Parameter '${name}' is missing`);
  if (typeof v !== 'string') throw typeError(name, 'string');
  return v;
}

/** A string argument that must be one of `values` (QEMU: "Parameter 'x' does not accept value 'y'"). */
export function enumArg<T extends string>(args: Args, name: string, values: readonly T[]): T {
  const v = stringArg(args, name);
  if (!(values as readonly string[]).includes(v))
    throw new QmpError('GenericError', `Parameter '${name}' does not accept value '${v}'`);
  return v as T;
}
