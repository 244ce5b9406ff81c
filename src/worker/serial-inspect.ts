// The rack's topology and its register inspector, read without side effects: device state comes
// from the models' read-only views (Scc2698.state, sr(), isr(), Tpci200.peekStatus(), snapshot()
// of the small carrier and bus objects), never from a bus read (reading RHR would pop the FIFO,
// reading STOP_COUNTER would stop the counter). Fields are decoded with the devices' own register
// tables, so the inspector and the bus trace use the same names.
import { IP_SLOT_NAMES } from '../emu/bus/ipack';
import { PCI_CONFIG_REGS } from '../emu/bus/pci';
import { RegMap, type RegTable } from '../emu/core/regs';
import { type BLOCK_REGS, SCC_REGS } from '../emu/devices/scc2698';
import { PLX_LCR_REGS, TPCI200_REGS } from '../emu/devices/tpci200';
import { SERIAL_PCI_SLOT, type SerialRack } from '../emu/serial/serial-rack';
import type { RegisterRow, TopologyNode } from './serial-protocol';

const CONFIG = new RegMap(PCI_CONFIG_REGS);
const LCR = new RegMap(PLX_LCR_REGS);
const CARRIER = new RegMap(TPCI200_REGS);
const CHANNEL_LETTERS = 'ABCDEFGH';
const hex = (v: number, digits = 2) => `0x${(v >>> 0).toString(16).padStart(digits, '0')}`;

/** The parts of the Machine the inspector reads. */
export interface InspectedMachine {
  getSubsystem(name: string): unknown;
  qmp(cmd: { execute: string }): { return?: unknown } | { error: unknown };
}

function fieldsOf<T extends RegTable>(map: RegMap<T>, name: keyof T & string, value: number): string {
  return map.decode(name, value).slice(name.length).trim();
}

function row<T extends RegTable>(
  map: RegMap<T>,
  name: keyof T & string,
  value: number,
  label: string = name,
  note?: string,
): RegisterRow {
  const def = map.table[name];
  const r: RegisterRow = { name: label, value, width: def.width ?? 1, fields: fieldsOf(map, name, value) };
  const n = note ?? def.note;
  if (n) r.note = n;
  return r;
}

const plain = (name: string, value: number, width: number, fields = '', note?: string): RegisterRow =>
  note ? { name, value, width, fields, note } : { name, value, width, fields };

/** The rack's topology: PCI bus 0 → TPCI200 → slots A–D → IP-Octal → channels; the SPEC if any. */
export function rackTopology(machine: InspectedMachine): TopologyNode[] {
  const roots: TopologyNode[] = [];
  const rack = machine.getSubsystem('serial') as SerialRack | undefined;
  if (rack) {
    const pci = rack.rig.pci;
    const slots: TopologyNode[] = IP_SLOT_NAMES.map((letter, slot) => {
      const module = rack.hw.ipack.moduleAt(slot);
      const isOctal = module === rack.hw.ipoctal;
      const channels: TopologyNode[] = isOctal
        ? Array.from({ length: 8 }, (_, c) => ({
            id: `channel.${c}`,
            label: `channel ${CHANNEL_LETTERS[c]} · port ${c}`,
            detail: `/dev/ipoctal.0.0.${c}: SCC2698B block ${'ABCD'[c >> 1]}, channel ${c & 1 ? 'b' : 'a'}`,
            port: c,
            children: [],
          }))
        : [];
      const moduleNode: TopologyNode[] = module
        ? [
            {
              id: 'ipoctal',
              label: isOctal ? 'GE IP-Octal 232' : module.kind,
              detail: 'SCC2698B octal UART, ID PROM "IPAC", INT0 = channels 0–3, INT1 = 4–7',
              children: channels,
            },
          ]
        : [];
      return {
        id: `slot.${letter}`,
        label: `slot ${letter}`,
        detail: module ? `IndustryPack slot ${letter}` : `IndustryPack slot ${letter} (empty)`,
        children: moduleNode,
      };
    });
    roots.push({
      id: 'pci',
      label: 'PCI bus 0',
      detail: 'host bridge, firmware-assigned BARs, INTx routed to IRQ 16–19',
      children: [
        {
          id: 'tpci200',
          label: `TEWS TPCI200 (00:${SERIAL_PCI_SLOT.toString(16).padStart(2, '0')}.0)`,
          detail: `PCI 1498:30c8, INTA → IRQ ${pci.irqOf(SERIAL_PCI_SLOT)}, 4 IndustryPack slots`,
          children: slots,
        },
      ],
    });
  }
  if (machine.getSubsystem('tdc')) {
    roots.push({
      id: 'tdc',
      label: 'SPEC + FMC TDC (spec0)',
      detail: 'GN4124 PCIe bridge, FMC TDC 1 ns 5-channel; live view: the guest driver (x-query-tdc)',
      children: [],
    });
  }
  return roots;
}

function busRows(rack: SerialRack): RegisterRow[] {
  const pci = rack.rig.pci;
  return pci.occupiedSlots().map((slot) => {
    const fn = pci.functionAt(slot);
    const id = fn?.identity;
    const bdf = `00:${slot.toString(16).padStart(2, '0')}.0`;
    const ids = id ? `${hex(id.vendorId, 4).slice(2)}:${hex(id.deviceId, 4).slice(2)}` : '';
    return plain(bdf, pci.irqOf(slot), 1, `${fn?.name ?? '?'} ${ids}`, 'value: routed IRQ');
  });
}

function pciRows(rack: SerialRack): RegisterRow[] {
  const slot = rack.rig.pci.snapshot().slots[String(SERIAL_PCI_SLOT)];
  const fn = rack.hw.tpci200;
  const id = fn.identity;
  const rows: RegisterRow[] = [row(CONFIG, 'VENDOR_ID', id.vendorId), row(CONFIG, 'DEVICE_ID', id.deviceId)];
  if (slot) {
    rows.push(row(CONFIG, 'COMMAND', slot.command));
    slot.barAddress.forEach((addr, bar) => {
      const def = fn.bars[bar];
      if (def) rows.push(plain(`BAR${bar}`, addr, 4, `${def.kind} ${def.size} bytes`));
    });
    rows.push(row(CONFIG, 'INTERRUPT_LINE', slot.interruptLine));
    rows.push(
      plain('INTx', slot.intx ? 1 : 0, 1, slot.intx ? 'asserted' : 'idle', 'the function’s INTA# output'),
    );
  }
  rows.push(row(CONFIG, 'SUBSYSTEM_ID', id.subsystemId));
  return rows;
}

function carrierRows(rack: SerialRack): RegisterRow[] {
  const t = rack.hw.tpci200;
  const s = t.snapshot();
  const rows: RegisterRow[] = [row(LCR, 'INTCSR', s.intcsr)];
  const names = ['IP_A_CONTROL', 'IP_B_CONTROL', 'IP_C_CONTROL', 'IP_D_CONTROL'] as const;
  names.forEach((name, i) => {
    rows.push(row(CARRIER, name, s.control[i]));
  });
  rows.push(row(CARRIER, 'RESET', s.reset));
  rows.push(row(CARRIER, 'STATUS', t.peekStatus(), 'STATUS', 'as the guest would read it now'));
  rows.push(plain('INTA#', t.intaAsserted ? 1 : 0, 1, t.intaAsserted ? 'asserted' : 'idle'));
  return rows;
}

function slotRows(rack: SerialRack, slot: number): RegisterRow[] {
  const ipack = rack.hw.ipack;
  const control = rack.hw.tpci200.snapshot().control[slot];
  const names = ['IP_A_CONTROL', 'IP_B_CONTROL', 'IP_C_CONTROL', 'IP_D_CONTROL'] as const;
  const rows = [row(CARRIER, names[slot], control)];
  for (const line of [0, 1] as const) {
    const on = ipack.irqLevel(slot, line);
    rows.push(plain(`INT${line}`, on ? 1 : 0, 1, on ? 'asserted' : 'idle', 'the module’s IP interrupt line'));
  }
  const reset = ipack.inReset(slot);
  rows.push(plain('RESET#', reset ? 1 : 0, 1, reset ? 'held in reset' : 'running'));
  return rows;
}

function moduleRows(rack: SerialRack): RegisterRow[] {
  const octal = rack.hw.ipoctal;
  const rows: RegisterRow[] = [];
  const prom = Array.from(octal.idProm, (b) => b.toString(16).padStart(2, '0')).join(' ');
  rows.push(plain('ID_PROM', octal.idProm[5] ?? 0, 1, prom, 'bytes 0–11; byte 5 is the model'));
  rows.push(plain('VECTOR', octal.snapshot().vector, 1, '', 'returned on INT0/INT1 acknowledge'));
  const scc = octal.chip;
  scc.state.blocks.forEach((b, block) => {
    const k = 'ABCD'[block];
    rows.push(row(SCC_REGS, 'ISR', scc.isr(block), `ISR[${k}]`));
    rows.push(row(SCC_REGS, 'IMR', b.imr, `IMR[${k}]`));
    rows.push(row(SCC_REGS, 'ACR', b.acr, `ACR[${k}]`));
    rows.push(row(SCC_REGS, 'OPCR', b.opcr, `OPCR[${k}]`));
  });
  return rows;
}

function channelRows(rack: SerialRack, c: number): RegisterRow[] {
  const scc = rack.hw.ipoctal.chip;
  const ch = scc.state.channels[c];
  const L = CHANNEL_LETTERS[c];
  const half = c & 1 ? 'B' : 'A';
  const reg = (base: string) => `${base}${half}` as keyof typeof BLOCK_REGS & string;
  const rx = scc.rxFrame(c);
  const tx = scc.txFrame(c);
  const fifo = ch.rxFifo.map((e) => hex(e & 0xff)).join(' ');
  const rows: RegisterRow[] = [
    row(SCC_REGS, reg('MR1'), ch.mr1, `MR1${L}`),
    row(SCC_REGS, reg('MR2'), ch.mr2, `MR2${L}`),
    row(SCC_REGS, reg('CSR'), ch.csr, `CSR${L}`, `RX ${rx.baud} baud, TX ${tx.baud} baud`),
    row(SCC_REGS, reg('SR'), scc.sr(c), `SR${L}`),
    plain(`RX FIFO${L}`, ch.rxFifo.length, 1, fifo || 'empty', '3 deep, plus the hold register'),
    plain(`RHR${L}`, ch.lastRhr, 1, '', 'last character the guest read'),
    plain(`THR${L}`, ch.thr ?? 0, 1, ch.thr === null ? 'empty' : 'full'),
    plain(
      `shift${L}`,
      ch.shifting ?? 0,
      1,
      ch.shifting === null ? 'idle' : 'sending',
      'transmit shift register',
    ),
    plain(
      `enables${L}`,
      (ch.rxEnabled ? 1 : 0) | (ch.txEnabled ? 4 : 0),
      1,
      `${ch.rxEnabled ? 'RX_ON' : 'RX_OFF'} ${ch.txEnabled ? 'TX_ON' : 'TX_OFF'}${ch.txBreak ? ' BREAK' : ''}`,
      'receiver and transmitter enables as the commands left them',
    ),
    plain(
      'host queue',
      rack.counters()[c].backlog,
      2,
      `${rack.programOf(c)} program; line ${tx.baud} ${tx.dataBits}${tx.parity[0].toUpperCase()}${tx.stopBits}`,
      'host bytes not yet on the line',
    ),
  ];
  return rows;
}

function tdcRows(machine: InspectedMachine): RegisterRow[] {
  const r = machine.qmp({ execute: 'x-query-tdc' });
  if (!('return' in r) || !Array.isArray(r.return)) return [];
  return (r.return as Record<string, unknown>[]).map((ch) =>
    plain(
      `channel ${String(ch.channel)}`,
      Number(ch.timestamps) || 0,
      4,
      `${ch.enabled ? 'enabled' : 'disabled'}${ch.termination ? ' 50Ω' : ''} dropped=${String(ch.dropped)} dma_errors=${String(ch.dma_errors)}`,
      'timestamps as the guest driver counted them',
    ),
  );
}

/** Live decoded registers of a topology node (empty when it has none or is unknown). */
export function inspectNode(machine: InspectedMachine, node: string): RegisterRow[] {
  if (node === 'tdc') return tdcRows(machine);
  const rack = machine.getSubsystem('serial') as SerialRack | undefined;
  if (!rack) return [];
  if (node === 'pci') return busRows(rack);
  if (node === 'tpci200') return [...pciRows(rack), ...carrierRows(rack)];
  if (node === 'ipoctal') return moduleRows(rack);
  const slot = /^slot\.([A-D])$/.exec(node);
  if (slot) return slotRows(rack, 'ABCD'.indexOf(slot[1]));
  const ch = /^channel\.([0-7])$/.exec(node);
  if (ch) return channelRows(rack, Number(ch[1]));
  return [];
}
