// Runs a validated scenario on a fresh Machine and reports one result per check
// (automation.md §3: each expect, serial_expect and qmp step is one check). With "guest":
// "linux" the machine's serial rack is driven by Linux in v86 and time follows v86's clock, so
// the steps run in real time (runAsync); the TypeScript guest runs as fast as possible (run).
import type { QmpResponse } from '../emu/control/qmp-types';
import { Machine, type MachineOptions } from '../emu/machine';
import type { Subsystem } from '../emu/subsystem';
import { createLinuxMachine } from '../linux-guest/lab-host';
import { formatNs } from './duration';
import { pickPath } from './json-path';
import type { LinuxMachine } from './linux-guest-cli';
import type { Scenario, Step } from './scenario';

export interface CheckResult {
  /** The scenario's name. */
  scenario: string;
  /** Step index (0-based), or -1 for a scenario-level check. */
  step: number;
  /** What was checked, e.g. "expect x-query-throttle-groups [name=foo].iops approx 6000 ±1%". */
  title: string;
  passed: boolean;
  /** What was seen (passed) or why it failed. */
  detail: string;
}

/** What serial_expect needs of the serial subsystem. */
interface SerialOutput extends Subsystem {
  hostOutput(port: number): string;
}

/** Slice in which serial_expect advances time while it waits. */
const SERIAL_POLL_NS = 1_000_000;

function show(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function errorText(r: QmpResponse): string | undefined {
  return 'error' in r ? r.error.desc : undefined;
}

function expectTitle(step: Extract<Step, { kind: 'expect' }>): string {
  const parts = [`expect ${step.cmd.execute}${step.path ? ` ${step.path}` : ''}`];
  if ('equals' in step) parts.push(`equals ${show(step.equals)}`);
  if (step.approx !== undefined) parts.push(`approx ${show(step.approx)} ±${show(step.tolerance * 100)}%`);
  if (step.min !== undefined) parts.push(`min ${show(step.min)}`);
  if (step.max !== undefined) parts.push(`max ${show(step.max)}`);
  if (step.contains !== undefined) parts.push(`contains ${show(step.contains)}`);
  return parts.join(' ');
}

/** Compares a picked value; returns the failure reason or null. */
function compare(step: Extract<Step, { kind: 'expect' }>, got: unknown): string | null {
  if ('equals' in step && !deepEqual(got, step.equals)) return `got ${show(got)}`;
  const numeric = step.approx !== undefined || step.min !== undefined || step.max !== undefined;
  if (numeric && (typeof got !== 'number' || !Number.isFinite(got))) return `got ${show(got)}, not a number`;
  const n = got as number;
  if (step.approx !== undefined) {
    const allowed = step.tolerance * Math.abs(step.approx);
    if (Math.abs(n - step.approx) > allowed) {
      const off = step.approx !== 0 ? ` (${show(((n - step.approx) / step.approx) * 100)}% off)` : '';
      return `got ${show(n)}${off}`;
    }
  }
  if (step.min !== undefined && n < step.min) return `got ${show(n)}, below min`;
  if (step.max !== undefined && n > step.max) return `got ${show(n)}, above max`;
  if (step.contains !== undefined) {
    const ok =
      typeof got === 'string'
        ? typeof step.contains === 'string' && got.includes(step.contains)
        : Array.isArray(got) && got.some((el) => deepEqual(el, step.contains));
    if (!ok) return `got ${show(got)}`;
  }
  return null;
}

export class ScenarioRun {
  readonly results: CheckResult[] = [];
  /** Per port: where the output after the last x-serial-write to that port begins. */
  private readonly serialCursor = new Map<number, number>();

  constructor(
    readonly scenario: Scenario,
    public machine: Machine,
  ) {}

  /** Builds the machine; throws an Error naming the bad field when the lab cannot be built. */
  static prepare(scenario: Scenario): ScenarioRun {
    const opts: MachineOptions = { lab: scenario.lab };
    if (scenario.seed !== undefined) opts.seed = scenario.seed;
    let machine: Machine;
    try {
      // The Linux machine is built again when its guest starts; this checks the lab now.
      machine = scenario.guest === 'linux' ? createLinuxMachine(opts).machine : Machine.create(opts);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new Error(msg.startsWith('lab') ? msg : `lab.${msg}`);
    }
    return new ScenarioRun(scenario, machine);
  }

  private record(step: number, title: string, failure: string | null, seen = ''): void {
    this.results.push({
      scenario: this.scenario.name,
      step,
      title,
      passed: failure === null,
      detail: failure ?? seen,
    });
  }

  /** Runs every step in order, as fast as possible (the TypeScript guest). */
  run(): CheckResult[] {
    if (this.scenario.guest === 'linux') {
      this.record(-1, 'guest linux', 'the linux guest runs in real time: use runAsync()');
      return this.results;
    }
    this.scenario.steps.forEach((step, i) => {
      try {
        for (const ns of this.runStep(step, i)) this.machine.run(ns);
      } catch (e) {
        this.record(i, step.kind, `internal error: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
    return this.results;
  }

  /** Runs every step in order: run() for the TypeScript guest, real time for the Linux guest. */
  async runAsync(): Promise<CheckResult[]> {
    if (this.scenario.guest !== 'linux') return this.run();
    const opts: MachineOptions = { lab: this.scenario.lab };
    if (this.scenario.seed !== undefined) opts.seed = this.scenario.seed;
    // Loaded only here: TypeScript-guest runs never load v86.
    const { runLinuxFor, startLinuxMachine } = await import('./linux-guest-cli');
    let lm: LinuxMachine;
    try {
      lm = await startLinuxMachine(opts);
    } catch (e) {
      this.record(-1, 'guest linux', e instanceof Error ? e.message : String(e));
      return this.results;
    }
    this.machine = lm.machine;
    try {
      for (let i = 0; i < this.scenario.steps.length; i++) {
        const step = this.scenario.steps[i];
        try {
          for (const ns of this.runStep(step, i)) await runLinuxFor(lm, ns);
        } catch (e) {
          this.record(i, step.kind, `internal error: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    } finally {
      await lm.guest.destroy();
    }
    return this.results;
  }

  /**
   * Typing into a port starts a new exchange: serial_expect on that port then looks only at
   * output that comes after the write, so an old prompt does not answer for the next command's.
   * Without a write in between, serial_expect steps search the same output (nothing is consumed).
   */
  private markSerialWrite(cmd: Record<string, unknown>): void {
    if (cmd.execute !== 'x-serial-write') return;
    const port = (cmd.arguments as Record<string, unknown> | undefined)?.port;
    const serial = this.machine.getSubsystem<SerialOutput>('serial');
    if (typeof port !== 'number' || !serial || typeof serial.hostOutput !== 'function') return;
    try {
      this.serialCursor.set(port, serial.hostOutput(port).length);
    } catch {
      // a bad port: the command itself reports it
    }
  }

  /** One step; yields the virtual time to let pass before it continues (the caller runs it). */
  private *runStep(step: Step, i: number): Generator<number, void> {
    const m = this.machine;
    switch (step.kind) {
      case 'run':
        yield step.ns;
        return;
      case 'qmp': {
        this.markSerialWrite(step.cmd);
        const r = m.qmp(step.cmd);
        const err = errorText(r);
        const name = String(step.cmd.execute);
        if (step.expectError !== undefined) {
          const title = `qmp ${name} fails with ${show(step.expectError)}`;
          if (err === undefined) this.record(i, title, 'the command succeeded');
          else
            this.record(
              i,
              title,
              err === step.expectError ? null : `got error ${show(err)}`,
              'error as expected',
            );
        } else {
          this.record(i, `qmp ${name}`, err === undefined ? null : `error: ${err}`, 'ok');
        }
        return;
      }
      case 'expect': {
        const title = expectTitle(step);
        const r = m.qmp(step.cmd);
        const err = errorText(r);
        if (err !== undefined || !('return' in r)) {
          this.record(i, title, `error: ${err}`);
          return;
        }
        let got: unknown;
        try {
          got = pickPath(r.return, step.path);
        } catch (e) {
          this.record(i, title, `path ${(e as Error).message}`);
          return;
        }
        this.record(i, title, compare(step, got), `got ${show(got)}`);
        return;
      }
      case 'serial_expect': {
        const title = `serial_expect port ${step.port} contains ${show(step.contains)} within ${formatNs(step.withinNs)}`;
        const serial = m.getSubsystem<SerialOutput>('serial');
        if (!serial || typeof serial.hostOutput !== 'function') {
          this.record(i, title, 'no serial subsystem');
          return;
        }
        const start = m.nowNs;
        const cursor = this.serialCursor.get(step.port) ?? 0;
        // hostOutput keeps a bounded tail; if it got shorter, the cursor no longer applies
        const from = cursor <= serial.hostOutput(step.port).length ? cursor : 0;
        for (;;) {
          const out = serial.hostOutput(step.port);
          const at = out.indexOf(step.contains, from);
          if (at >= 0) {
            this.record(i, title, null, `after ${formatNs(m.nowNs - start)}`);
            return;
          }
          const left = start + step.withinNs - m.nowNs;
          if (left <= 0) break;
          yield Math.min(SERIAL_POLL_NS, left);
        }
        const tail = serial.hostOutput(step.port).slice(from);
        this.record(i, title, `not seen; port output: ${show(tail.slice(-80))}`);
        return;
      }
    }
  }
}
