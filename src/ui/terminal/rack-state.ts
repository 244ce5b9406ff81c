// The IndustryPack rack's slice of the UI store (store.ts holds it as `rack`): latest port status,
// the bounded bus-trace rows, the topology and the inspected node's registers. Pure helpers only;
// terminal bytes never pass through the store (serial-hub.ts writes them to the terminals).
import type { RegisterRow, SerialPortStatus, TopologyNode, TraceRow } from '../../worker/serial-protocol';

/** Trace rows kept in the UI (older rows are dropped). */
export const TRACE_ROWS_KEPT = 2000;

export interface RackState {
  ports: SerialPortStatus[];
  /** Virtual time of the latest port status. */
  statusNs: number;
  trace: TraceRow[];
  /** Records the worker or the UI dropped since the trace was last cleared. */
  traceDropped: number;
  topology: TopologyNode[];
  registers?: { node: string; nowNs: number; rows: RegisterRow[] };
}

export function emptyRack(): RackState {
  return { ports: [], statusNs: 0, trace: [], traceDropped: 0, topology: [] };
}

/** Appends trace records, keeping the newest TRACE_ROWS_KEPT. */
export function appendTrace(
  rack: Pick<RackState, 'trace' | 'traceDropped'>,
  records: readonly TraceRow[],
  dropped: number,
): Pick<RackState, 'trace' | 'traceDropped'> {
  const all = rack.trace.concat(records);
  const over = Math.max(0, all.length - TRACE_ROWS_KEPT);
  return { trace: over > 0 ? all.slice(over) : all, traceDropped: rack.traceDropped + dropped + over };
}

/**
 * The unit an access reached: the IP module named at the start of the decoded text
 * ("ipoctal.A SRB RXRDY" → "ipoctal.A"), else the PCI function ("tpci200").
 */
export function traceUnit(r: Pick<TraceRow, 'device' | 'text'>): string {
  const m = /^([a-z][\w-]*\.[A-D])\s/.exec(r.text);
  return m ? m[1] : r.device;
}

const csvQuote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** CSV of trace rows, the same columns as the machine's traceToCsv. */
export function traceCsv(rows: readonly TraceRow[]): string {
  const lines = ['seq,time_ns,kind,device,space,offset,width,value,decoded'];
  for (const r of rows) {
    lines.push(
      [
        r.seq,
        r.atNs,
        r.kind,
        csvQuote(r.device),
        csvQuote(r.space),
        `0x${r.offset.toString(16)}`,
        r.width,
        `0x${(r.value >>> 0).toString(16)}`,
        csvQuote(r.text),
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** "9600 8N1" */
export function lineSettings(p: Pick<SerialPortStatus, 'baud' | 'format'>): string {
  return `${p.baud} ${p.format}`;
}
