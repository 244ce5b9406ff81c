import { describe, expect, it } from 'vitest';
import type { TraceRow } from '../../worker/serial-protocol';
import { appendTrace, TRACE_ROWS_KEPT, traceCsv, traceUnit } from './rack-state';

const row = (seq: number, text = 'ipoctal.A SRB RXRDY'): TraceRow => ({
  seq,
  atNs: seq * 1000,
  kind: 'read',
  device: 'tpci200',
  space: 'BAR3',
  offset: 0x13,
  width: 1,
  value: 1,
  text,
});

describe('rack state', () => {
  it('keeps only the newest trace rows and counts the ones it let go', () => {
    let state = { trace: [] as TraceRow[], traceDropped: 0 };
    state = appendTrace(
      state,
      Array.from({ length: TRACE_ROWS_KEPT - 10 }, (_, i) => row(i + 1)),
      0,
    );
    state = appendTrace(
      state,
      Array.from({ length: 30 }, (_, i) => row(TRACE_ROWS_KEPT - 9 + i)),
      5,
    );
    expect(state.trace).toHaveLength(TRACE_ROWS_KEPT);
    expect(state.trace[0].seq).toBe(21);
    expect(state.trace.at(-1)?.seq).toBe(TRACE_ROWS_KEPT + 20);
    expect(state.traceDropped).toBe(25);
  });

  it('names the IP module an access reached, else the PCI function', () => {
    expect(traceUnit(row(1))).toBe('ipoctal.A');
    expect(traceUnit(row(1, 'STATUS A_INT0 ERROR=0'))).toBe('tpci200');
  });

  it('writes CSV with the machine exporter’s columns, quoting decoded text with commas', () => {
    const csv = traceCsv([row(7, 'ipoctal.A THRB DATA=44, "x"')]);
    const [head, line] = csv.trim().split('\n');
    expect(head).toBe('seq,time_ns,kind,device,space,offset,width,value,decoded');
    expect(line).toBe('7,7000,read,tpci200,BAR3,0x13,1,0x1,"ipoctal.A THRB DATA=44, ""x"""');
  });
});
