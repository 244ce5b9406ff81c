// Scenario files (automation.md §3): schema and validation. A scenario names a lab, a seed, a
// guest, and steps run in order on one machine in virtual time. Validation errors name the
// JSON path of the bad field, e.g. `steps[3].run: expected a duration such as "250ms" ...`.
import { type LabConfig, LabConfigError, resolveLab } from '../emu/control/lab-config';
import { DURATION_HINT, parseDurationNs } from './duration';
import { parsePath } from './json-path';

export type Step =
  | { kind: 'run'; ns: number }
  | { kind: 'qmp'; cmd: Record<string, unknown>; expectError?: string }
  | {
      kind: 'expect';
      cmd: Record<string, unknown>;
      path: string;
      equals?: unknown;
      approx?: number;
      tolerance: number;
      min?: number;
      max?: number;
      contains?: unknown;
    }
  | { kind: 'serial_expect'; port: number; contains: string; withinNs: number };

export interface Scenario {
  name: string;
  lab: LabConfig;
  seed?: number;
  guest: 'ts' | 'linux';
  steps: Step[];
}

/** A scenario file that does not follow the schema; the message names the JSON path. */
export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

export const DEFAULT_TOLERANCE = 0.01;
export const DEFAULT_SERIAL_WITHIN_NS = 1e9;

const SCENARIO_KEYS = ['name', 'description', 'lab', 'seed', 'guest', 'steps'];
const STEP_KINDS = ['run', 'qmp', 'expect', 'serial_expect'];
const EXPECT_KEYS = [
  'execute',
  'arguments',
  'path',
  'equals',
  'approx',
  'tolerance',
  'min',
  'max',
  'contains',
];
const COMPARATORS = ['equals', 'approx', 'min', 'max', 'contains'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(path: string, reason: string): never {
  throw new ScenarioError(`${path}: ${reason}`);
}

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key))
      fail(path ? `${path}.${key}` : key, `unknown field (expected one of ${allowed.join(', ')})`);
  }
}

function checkNumber(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, 'expected a number');
  return v;
}

function checkCommand(v: unknown, path: string): Record<string, unknown> {
  if (!isObject(v)) fail(path, 'expected a QMP command object {"execute": ..., "arguments": {...}}');
  if (typeof v.execute !== 'string') fail(`${path}.execute`, 'expected a command name');
  if (v.arguments !== undefined && !isObject(v.arguments)) fail(`${path}.arguments`, 'expected an object');
  return v;
}

function checkStep(v: unknown, path: string): Step {
  if (!isObject(v)) fail(path, `expected a step object with one of ${STEP_KINDS.join(', ')}`);
  const kinds = Object.keys(v).filter((k) => STEP_KINDS.includes(k));
  if (kinds.length !== 1) fail(path, `expected exactly one of ${STEP_KINDS.join(', ')}`);
  const kind = kinds[0];
  const extra = Object.keys(v).filter(
    (k) => k !== kind && k !== 'name' && k !== 'comment' && !(kind === 'qmp' && k === 'expect_error'),
  );
  if (extra.length > 0) fail(`${path}.${extra[0]}`, 'unknown field');
  const body = v[kind];
  const p = `${path}.${kind}`;
  if (kind === 'run') {
    const ns = parseDurationNs(body);
    if (ns === null) fail(p, DURATION_HINT);
    return { kind: 'run', ns };
  }
  if (kind === 'qmp') {
    if (!isObject(body)) fail(p, 'expected a QMP command object {"execute": ..., "arguments": {...}}');
    // expect_error may sit beside "qmp" or inside it; it is never sent.
    const { expect_error: inner, ...cmd } = body;
    const expectError = v.expect_error ?? inner;
    if (expectError !== undefined && typeof expectError !== 'string') {
      fail(
        v.expect_error !== undefined ? `${path}.expect_error` : `${p}.expect_error`,
        'expected the error text',
      );
    }
    if (!('execute' in cmd)) fail(`${p}.execute`, 'expected a command name');
    return expectError === undefined ? { kind: 'qmp', cmd } : { kind: 'qmp', cmd, expectError };
  }
  if (kind === 'expect') {
    if (!isObject(body)) fail(p, 'expected {"execute", "path", and a comparison}');
    checkKeys(body, EXPECT_KEYS, p);
    const cmd = checkCommand(
      { execute: body.execute, ...(body.arguments !== undefined ? { arguments: body.arguments } : {}) },
      p,
    );
    const path2 = body.path ?? '';
    if (typeof path2 !== 'string') fail(`${p}.path`, 'expected a path such as "[name=foo].iops"');
    try {
      parsePath(path2);
    } catch (e) {
      fail(`${p}.path`, (e as Error).message);
    }
    if (!COMPARATORS.some((c) => c in body)) fail(p, `expected a comparison: ${COMPARATORS.join(', ')}`);
    const step: Step = {
      kind: 'expect',
      cmd,
      path: path2,
      tolerance: DEFAULT_TOLERANCE,
    };
    if ('equals' in body) step.equals = body.equals;
    if (body.approx !== undefined) step.approx = checkNumber(body.approx, `${p}.approx`);
    if (body.tolerance !== undefined) {
      const t = checkNumber(body.tolerance, `${p}.tolerance`);
      if (t < 0) fail(`${p}.tolerance`, 'expected a non-negative relative tolerance');
      if (body.approx === undefined) fail(`${p}.tolerance`, 'tolerance needs approx');
      step.tolerance = t;
    }
    if (body.min !== undefined) step.min = checkNumber(body.min, `${p}.min`);
    if (body.max !== undefined) step.max = checkNumber(body.max, `${p}.max`);
    if (body.contains !== undefined) step.contains = body.contains;
    return step;
  }
  if (!isObject(body)) fail(p, 'expected {"port", "contains", "within"}');
  checkKeys(body, ['port', 'contains', 'within'], p);
  if (typeof body.port !== 'number' || !Number.isInteger(body.port) || body.port < 0) {
    fail(`${p}.port`, 'expected a port number');
  }
  if (typeof body.contains !== 'string') fail(`${p}.contains`, 'expected the text to wait for');
  let withinNs = DEFAULT_SERIAL_WITHIN_NS;
  if (body.within !== undefined) {
    const ns = parseDurationNs(body.within);
    if (ns === null) fail(`${p}.within`, DURATION_HINT);
    withinNs = ns;
  }
  return { kind: 'serial_expect', port: body.port, contains: body.contains, withinNs };
}

/** Validates a parsed scenario file. `fallbackName` names it when it has no "name". */
export function validateScenario(v: unknown, fallbackName: string): Scenario {
  if (!isObject(v)) fail('(top level)', 'expected a scenario object with "steps"');
  checkKeys(v, SCENARIO_KEYS, '');
  if (v.name !== undefined && typeof v.name !== 'string') fail('name', 'expected a string');
  let lab: LabConfig;
  try {
    lab = resolveLab(v.lab ?? 'default', 'lab');
  } catch (e) {
    if (e instanceof LabConfigError) throw new ScenarioError(e.message);
    throw e;
  }
  if (
    v.seed !== undefined &&
    (typeof v.seed !== 'number' || !Number.isInteger(v.seed) || v.seed < 0 || v.seed > 0xffffffff)
  ) {
    fail('seed', 'expected an integer from 0 to 4294967295');
  }
  const guest = v.guest ?? 'ts';
  if (guest !== 'ts' && guest !== 'linux') fail('guest', 'expected "ts" or "linux"');
  if (!Array.isArray(v.steps)) fail('steps', 'expected an array of steps');
  const steps = v.steps.map((s, i) => checkStep(s, `steps[${i}]`));
  const scenario: Scenario = { name: (v.name as string | undefined) ?? fallbackName, lab, guest, steps };
  if (v.seed !== undefined) scenario.seed = v.seed as number;
  return scenario;
}
