// `device-lab conformance FILE...`: replays QEMU reference-trace files (throttle.md §0) through
// the lab's own throttle code (ThrottleState, ThrottleGroups on a Scheduler) and compares every
// recorded number: effective buckets, raw checks, dispatch order/times/levels, timer log, update
// results, validation errors. One line per scenario or validation case.
import { readFileSync } from 'node:fs';
import { DIRECTION_NAMES, type Direction, ThrottleState } from '../emu/block/throttle';
import {
  BUCKET_COUNT,
  BUCKET_KEYS,
  configFromQmp,
  defaultConfig,
  effectiveBuckets,
  mergeLimits,
  type ThrottleConfig,
  throttleEnabled,
  validateConfig,
} from '../emu/block/throttle-config';
import {
  ARRIVAL_PRIORITY,
  ThrottleGroups,
  type ThrottleMember,
  type TimerLogEntry,
  UPDATE_PRIORITY,
} from '../emu/block/throttle-group';
import { Scheduler } from '../emu/core/scheduler';

type Json = Record<string, unknown>;

interface TraceRequest {
  id: number;
  t_ns: number;
  op: 'read' | 'write';
  bytes: number;
  member: number;
}

interface TraceUpdate {
  t_ns: number;
  member: number;
  config: Json;
}

interface Scenario {
  name: string;
  config: Json;
  members: string[];
  requests: TraceRequest[];
  updates: TraceUpdate[];
  expected: Json;
}

class Mismatch extends Error {}

// ---- file schema checks (errors name the file and the JSON path) ----

function fail(file: string, path: string, what: string): never {
  throw new Error(`${file}: ${path}: ${what}`);
}

function obj(file: string, path: string, v: unknown): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(file, path, 'expected an object');
  return v as Json;
}

function arr(file: string, path: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) fail(file, path, 'expected an array');
  return v;
}

function int(file: string, path: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(file, path, 'expected an integer');
  return v;
}

function str(file: string, path: string, v: unknown): string {
  if (typeof v !== 'string') fail(file, path, 'expected a string');
  return v;
}

function numericConfig(file: string, path: string, v: unknown): Json {
  const c = obj(file, path, v);
  for (const [k, x] of Object.entries(c)) int(file, `${path}.${k}`, x);
  return c;
}

function parseScenario(file: string, path: string, raw: unknown): Scenario {
  const s = obj(file, path, raw);
  const name = str(file, `${path}.name`, s.name);
  const config = numericConfig(file, `${path}.config`, s.config);
  const members = s.members === undefined ? ['disk0'] : arr(file, `${path}.members`, s.members);
  members.forEach((m, i) => {
    str(file, `${path}.members[${i}]`, m);
  });
  const requests = arr(file, `${path}.requests`, s.requests).map((r, i) => {
    const p = `${path}.requests[${i}]`;
    const o = obj(file, p, r);
    const op = str(file, `${p}.op`, o.op);
    if (op !== 'read' && op !== 'write') fail(file, `${p}.op`, 'expected "read" or "write"');
    const member = o.member === undefined ? 0 : int(file, `${p}.member`, o.member);
    if (member < 0 || member >= members.length) fail(file, `${p}.member`, 'no such member');
    return {
      id: int(file, `${p}.id`, o.id),
      t_ns: int(file, `${p}.t_ns`, o.t_ns),
      op,
      bytes: int(file, `${p}.bytes`, o.bytes),
      member,
    } as TraceRequest;
  });
  const updates = (s.updates === undefined ? [] : arr(file, `${path}.updates`, s.updates)).map((u, i) => {
    const p = `${path}.updates[${i}]`;
    const o = obj(file, p, u);
    const member = int(file, `${p}.member`, o.member);
    if (member < 0 || member >= members.length) fail(file, `${p}.member`, 'no such member');
    return {
      t_ns: int(file, `${p}.t_ns`, o.t_ns),
      member,
      config: numericConfig(file, `${p}.config`, o.config),
    };
  });
  const expected = obj(file, `${path}.expected`, s.expected);
  if (typeof expected.valid !== 'boolean') fail(file, `${path}.expected.valid`, 'expected a boolean');
  for (const key of ['raw', 'dispatch', 'timer_log', 'update_results']) {
    if (expected[key] !== undefined) arr(file, `${path}.expected.${key}`, expected[key]);
  }
  return { name, config, members: members as string[], requests, updates, expected };
}

// ---- comparison helpers ----

function expectEqual(path: string, got: unknown, want: unknown): void {
  if (typeof want === 'number' || typeof got === 'number') {
    if (!Object.is(got, want) && !(got === 0 && want === 0))
      throw new Mismatch(`${path}: got ${got}, expected ${want}`);
    return;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) {
      throw new Mismatch(`${path}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
    for (let i = 0; i < want.length; i++) expectEqual(`${path}[${i}]`, got[i], want[i]);
    return;
  }
  if (typeof want === 'object' && want !== null) {
    if (typeof got !== 'object' || got === null) throw new Mismatch(`${path}: got ${JSON.stringify(got)}`);
    const g = got as Json;
    const w = want as Json;
    const keys = new Set([...Object.keys(g), ...Object.keys(w)]);
    for (const k of keys) {
      if (!(k in w)) throw new Mismatch(`${path}.${k}: unexpected ${JSON.stringify(g[k])}`);
      if (!(k in g)) throw new Mismatch(`${path}.${k}: missing, expected ${JSON.stringify(w[k])}`);
      expectEqual(`${path}.${k}`, g[k], w[k]);
    }
    return;
  }
  if (got !== want)
    throw new Mismatch(`${path}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
}

function levelsOf(s: ThrottleState): Json {
  const out: Json = {};
  for (let i = 0; i < BUCKET_COUNT; i++) out[BUCKET_KEYS[i]] = [s.level[i], s.burstLevel[i]];
  return out;
}

/** Config from a trace's `config`: QMP names, or ThrottleLimits names when a key has a '-'. */
function traceConfig(config: Json): { config: ThrottleConfig } | { error: string } {
  if (Object.keys(config).some((k) => k.includes('-'))) {
    const merged = mergeLimits(defaultConfig(), config);
    if ('error' in merged) return merged;
    const err = validateConfig(merged.config);
    return err ? { error: err } : merged;
  }
  const c = configFromQmp(config);
  const err = validateConfig(c);
  return err ? { error: err } : { config: c };
}

function checkValidity(
  expected: Json,
  result: { config: ThrottleConfig } | { error: string },
): ThrottleConfig | null {
  if ('error' in result) {
    if (expected.valid !== false) throw new Mismatch(`valid: got error "${result.error}", expected valid`);
    expectEqual('error', result.error, expected.error);
    return null;
  }
  if (expected.valid !== true) throw new Mismatch(`valid: got valid, expected error "${expected.error}"`);
  if (expected.effective_buckets !== undefined) {
    expectEqual('effective_buckets', effectiveBuckets(result.config), expected.effective_buckets);
  }
  return result.config;
}

// ---- replays ----

function replayRaw(s: Scenario, cfg: ThrottleConfig): Json[] {
  const state = new ThrottleState();
  state.configure(cfg, 0);
  return s.requests.map((r) => {
    const dir: Direction = r.op === 'read' ? 0 : 1;
    const wait = state.check(r.t_ns, dir);
    state.account(dir, r.bytes);
    return {
      id: r.id,
      t_ns: r.t_ns,
      wait_ns: wait,
      previous_leak_ns: state.previousLeakNs,
      levels: levelsOf(state),
    };
  });
}

interface Replay {
  dispatch: Json[];
  timerLog: Json[];
  updateResults: Json[];
}

/** Full group behaviour on a fresh scheduler, with §0.2's ordering. */
export function replayDispatch(s: Scenario, cfg: ThrottleConfig, groupFile: boolean): Replay {
  const sched = new Scheduler();
  const dispatch: Json[] = [];
  const timerLog: Json[] = [];
  const updateResults: Json[] = [];
  const byId = new Map<number, TraceRequest>();
  for (const r of s.requests) byId.set(r.id, r);
  const engine = new ThrottleGroups(sched, {
    onDispatch: (m, _dir, req) => {
      const r = byId.get(req.id)!;
      const state = m.group!.state;
      const nowNs = sched.nowNs;
      dispatch.push({
        seq: dispatch.length,
        id: r.id,
        member: m.id,
        op: r.op,
        bytes: r.bytes,
        t_ns: r.t_ns,
        dispatch_ns: nowNs,
        wait_ns: nowNs - r.t_ns,
        previous_leak_ns: state.previousLeakNs,
        levels: levelsOf(state),
      });
    },
    onTimerLog: (e: TimerLogEntry) => {
      if (e.event === 'arm') {
        timerLog.push({
          event: 'arm',
          at_ns: e.atNs,
          member: e.member.id,
          op: DIRECTION_NAMES[e.dir],
          deadline_ns: e.deadlineNs,
          reason: e.reason,
        });
      } else {
        timerLog.push({ event: 'fire', at_ns: e.atNs, member: e.member.id, op: DIRECTION_NAMES[e.dir] });
      }
    },
  });
  const members: ThrottleMember[] = s.members.map((name, i) => engine.addMember(i, name));
  for (const m of members) engine.join(m, 'group0');
  engine.setGroupConfig(members[0].group!, cfg);

  const arrival = sched.register('conformance.arrival', (_kind, index) => {
    const r = s.requests[index];
    engine.submit(members[r.member], r.op === 'read' ? 0 : 1, { id: r.id, bytes: r.bytes });
  });
  const update = sched.register('conformance.update', (_kind, index) => {
    const u = s.updates[index];
    const result = traceConfig(u.config);
    const valid = !('error' in result);
    updateResults.push({ t_ns: u.t_ns, member: u.member, valid });
    if (!('error' in result)) {
      const m = members[u.member];
      if (throttleEnabled(result.config)) engine.configure(m, result.config);
      else engine.leave(m);
    }
  });
  for (let i = 0; i < s.updates.length; i++) sched.at(s.updates[i].t_ns, update, 0, i, UPDATE_PRIORITY);
  for (let i = 0; i < s.requests.length; i++) sched.at(s.requests[i].t_ns, arrival, 0, i, ARRIVAL_PRIORITY);
  let guard = 0;
  while (sched.step()) {
    if (++guard > 10_000_000) throw new Mismatch('replay did not terminate');
  }
  if (!groupFile) for (const d of dispatch) d.member = 0;
  return { dispatch, timerLog, updateResults };
}

function checkScenario(s: Scenario, groupFile: boolean): void {
  const cfg = checkValidity(s.expected, traceConfig(s.config));
  if (!cfg) return;
  if (s.expected.raw !== undefined) expectEqual('raw', replayRaw(s, cfg), s.expected.raw);
  const replay = replayDispatch(s, cfg, groupFile);
  // Compare dispatch records first (most telling), then the timer log, then update results.
  const want = s.expected.dispatch as Json[] | undefined;
  if (want !== undefined) {
    const n = Math.min(want.length, replay.dispatch.length);
    for (let i = 0; i < n; i++) expectEqual(`dispatch[${i}]`, replay.dispatch[i], want[i]);
    expectEqual('dispatch.length', replay.dispatch.length, want.length);
  }
  if (s.expected.timer_log !== undefined) {
    const wantLog = s.expected.timer_log as Json[];
    const n = Math.min(wantLog.length, replay.timerLog.length);
    for (let i = 0; i < n; i++) expectEqual(`timer_log[${i}]`, replay.timerLog[i], wantLog[i]);
    expectEqual('timer_log.length', replay.timerLog.length, wantLog.length);
  }
  if (s.expected.update_results !== undefined) {
    expectEqual('update_results', replay.updateResults, s.expected.update_results);
  }
}

function checkValidationCase(file: string, path: string, raw: unknown): { name: string; run: () => void } {
  const v = obj(file, path, raw);
  const name = str(file, `${path}.name`, v.name);
  const config = numericConfig(file, `${path}.config`, v.config);
  if (typeof v.valid !== 'boolean') fail(file, `${path}.valid`, 'expected a boolean');
  if (!v.valid) str(file, `${path}.error`, v.error);
  return { name, run: () => void checkValidity(v, traceConfig(config)) };
}

/**
 * Replays each file; prints `PASS name` / `FAIL name: first difference` per scenario and
 * validation case. Throws an Error naming the file and JSON path when a file is invalid.
 */
export function runConformance(
  files: string[],
  out: (line: string) => void,
): { passed: number; failed: number } {
  const cases: { name: string; run: () => void }[] = [];
  for (const file of files) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: $: ${(e as Error).message}`);
    }
    const top = obj(file, '$', doc);
    if (top.schema_version !== 1) fail(file, '$.schema_version', 'expected 1');
    const scenarios = arr(file, '$.scenarios', top.scenarios);
    const groupFile = scenarios.some((s) => (s as Json)?.members !== undefined);
    scenarios.forEach((raw, i) => {
      const s = parseScenario(file, `$.scenarios[${i}]`, raw);
      cases.push({ name: s.name, run: () => checkScenario(s, groupFile) });
    });
    if (top.validation !== undefined) {
      arr(file, '$.validation', top.validation).forEach((raw, i) => {
        cases.push(checkValidationCase(file, `$.validation[${i}]`, raw));
      });
    }
  }
  let passed = 0;
  let failed = 0;
  for (const c of cases) {
    try {
      c.run();
      passed++;
      out(`PASS ${c.name}`);
    } catch (e) {
      failed++;
      const msg = e instanceof Mismatch ? e.message : `error: ${(e as Error).message}`;
      out(`FAIL ${c.name}: ${msg}`);
    }
  }
  return { passed, failed };
}
