// The UI's end of the rack protocol: routes rack items (serial bytes to the hub, the rest to the
// store) and turns the rack's user commands into messages. Port actions are QMP commands
// (x-serial-*), as the automation contract names them; keystrokes use the batched serialInput.
import type { QmpCommand, QmpResponse } from '../../worker/protocol';
import type { RackItem } from '../../worker/serial-protocol';
import { qmp, qmpError, send } from '../lab-client';
import { keepEqual, useLab } from '../store';
import { appendTrace } from './rack-state';
import { receiveSerial, resetSerial, setInputSender } from './serial-hub';

setInputSender((port, data) => send({ kind: 'serialInput', port, data }));

export function routeRackItem(item: RackItem): void {
  const store = useLab.getState();
  switch (item.kind) {
    case 'serialOutput':
      receiveSerial(item.chunks);
      break;
    case 'serialStatus': {
      const ports = keepEqual(store.rack.ports, item.ports);
      if (ports !== store.rack.ports) store.setRack({ ports, statusNs: item.nowNs });
      break;
    }
    case 'traceRecords':
      store.setRack((r) => appendTrace(r, item.records, item.dropped));
      break;
    case 'topology':
      // A new machine was built: its views start empty.
      resetSerial();
      store.setRack({ topology: item.roots, trace: [], traceDropped: 0, ports: [], registers: undefined });
      break;
    case 'registers':
      store.setRack({ registers: { node: item.node, nowNs: item.nowNs, rows: item.rows } });
      break;
  }
}

/** Runs a QMP command; resolves with the error text, or undefined on success. */
async function run(cmd: QmpCommand): Promise<string | undefined> {
  const r: QmpResponse = await qmp(cmd);
  return qmpError(r);
}

export type InjectKind = 'framing' | 'parity' | 'break' | 'overrun';
export const INJECT_KINDS: readonly InjectKind[] = ['framing', 'parity', 'break', 'overrun'];
export const PROGRAMS = ['shell', 'echo', 'closed'] as const;

export const serialInject = (port: number, kind: InjectKind) =>
  run({ execute: 'x-serial-inject', arguments: { port, kind } });
export const serialConnect = (port: number, peer: number | null) =>
  run({ execute: 'x-serial-connect', arguments: { port, peer } });
export const serialProgram = (port: number, program: string) =>
  run({ execute: 'x-serial-program', arguments: { port, program } });
export const serialHost = (
  port: number,
  args: { unpaced?: boolean; settings?: 'follow' | { baud: number; format: string } },
) => run({ execute: 'x-serial-host', arguments: { port, ...args } });

export const traceStream = (on: boolean) => send({ kind: 'traceStream', on });
export const inspectNode = (node: string | null) => send({ kind: 'inspect', node });
