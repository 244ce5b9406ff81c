// QMP commands of the serial rack (automation.md §2), validated fully before anything changes,
// with QEMU's QAPI wording for missing, mistyped and unexpected members.
import { checkArgs } from '../block/qmp-args';
import { type QmpCommandTable, QmpError } from '../control/qmp-types';
import { PROGRAM_NAMES, type ProgramName } from '../guest/programs/program';
import { SERIAL_PORTS } from '../guest/serial-guest';
import { type HostSettings, settingsToFrame } from './host-settings';
import type { InjectKind, SerialRack } from './serial-rack';

export const INJECT_KINDS: readonly InjectKind[] = ['framing', 'parity', 'break', 'overrun'];

const fail = (desc: string): never => {
  throw new QmpError('GenericError', desc);
};

function portArg(args: Record<string, unknown>, name = 'port'): number {
  const v = args[name];
  if (v === undefined) fail(`Parameter '${name}' is missing`);
  if (typeof v !== 'number' || !Number.isInteger(v))
    fail(`Invalid parameter type for '${name}', expected: integer`);
  const n = v as number;
  if (n < 0 || n >= SERIAL_PORTS) fail(`Parameter '${name}' expects a port from 0 to ${SERIAL_PORTS - 1}`);
  return n;
}

function enumArg<T extends string>(args: Record<string, unknown>, name: string, values: readonly T[]): T {
  const v = args[name];
  if (v === undefined) fail(`Parameter '${name}' is missing`);
  if (typeof v !== 'string') fail(`Invalid parameter type for '${name}', expected: string`);
  if (!values.includes(v as T)) fail(`Parameter '${name}' does not accept value '${v}'`);
  return v as T;
}

/** Rejects members not in `known` (QAPI: "Parameter 'x' is unexpected"). */
function onlyKnown(args: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(args)) if (!known.includes(key)) fail(`Parameter '${key}' is unexpected`);
}

function settingsArg(v: unknown): HostSettings | 'follow' {
  if (v === 'follow') return v;
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return fail(`Invalid parameter type for 'settings', expected: object or 'follow'`);
  const o = v as Record<string, unknown>;
  onlyKnown(o, ['baud', 'format']);
  if (typeof o.baud !== 'number' || !(o.baud > 0) || !Number.isFinite(o.baud))
    fail(`Parameter 'settings.baud' expects a positive number`);
  if (typeof o.format !== 'string') fail(`Parameter 'settings.format' is missing`);
  const s = { baud: o.baud as number, format: o.format as string };
  if (!settingsToFrame(s))
    fail(`Parameter 'settings.format' does not accept value '${s.format}' (expected e.g. 8N1, 7E2, 8O1)`);
  return s;
}

export function serialQmpCommands(rack: SerialRack): QmpCommandTable {
  return {
    'x-serial-write': (args) => {
      const port = portArg(args);
      checkArgs(args, [
        { name: 'port', kind: 'int', required: true },
        { name: 'data', kind: 'str', required: true },
      ]);
      rack.hostWrite(port, args.data as string);
      return {};
    },
    'x-serial-inject': (args) => {
      const port = portArg(args);
      const kind = enumArg(args, 'kind', INJECT_KINDS);
      onlyKnown(args, ['port', 'kind']);
      rack.inject(port, kind);
      return {};
    },
    'x-serial-connect': (args) => {
      const port = portArg(args);
      if (!('peer' in args)) fail(`Parameter 'peer' is missing`);
      const peer = args.peer === null ? null : portArg(args, 'peer');
      if (peer === port) fail(`Parameter 'peer' must differ from 'port'`);
      onlyKnown(args, ['port', 'peer']);
      rack.connect(port, peer);
      return {};
    },
    'x-serial-program': (args) => {
      const port = portArg(args);
      const program = enumArg<ProgramName>(args, 'program', PROGRAM_NAMES);
      onlyKnown(args, ['port', 'program']);
      rack.setProgram(port, program);
      return {};
    },
    'x-serial-host': (args) => {
      const port = portArg(args);
      onlyKnown(args, ['port', 'unpaced', 'settings']);
      const unpaced = args.unpaced;
      if (unpaced !== undefined && typeof unpaced !== 'boolean')
        fail(`Invalid parameter type for 'unpaced', expected: boolean`);
      const settings = args.settings === undefined ? undefined : settingsArg(args.settings);
      if (unpaced !== undefined) rack.setUnpaced(port, unpaced as boolean);
      if (settings !== undefined) rack.setHostSettings(port, settings);
      return {
        port,
        unpaced: rack.isUnpaced(port),
        settings: rack.hostSettings(port),
        peer: rack.peerOf(port),
        program: rack.programOf(port),
      };
    },
    'x-query-serial': (args) => {
      onlyKnown(args, []);
      return rack.ports();
    },
  };
}
