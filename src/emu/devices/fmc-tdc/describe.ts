// Trace decoder for the TDC block (offsets relative to BAR0+0x20000), spec tdc.md §2.2: names the
// block, the channel and the register from the tables in hw/spec-tdc-regs.ts. No side effects.

import { RegMap, type RegTable } from '../../core/regs';
import {
  TDC_CHANNELS,
  TDC_CORE,
  TDC_CORE_REGS,
  TDC_DMABUF_BASE,
  TDC_DMABUF_REGS,
  TDC_DMABUF_STRIDE,
  TDC_EIC,
  TDC_EIC_REGS,
  TDC_ONEWIRE,
  TDC_ONEWIRE_REGS,
  TDC_TS_BASE,
  TDC_TS_REGS,
  TDC_TS_STRIDE,
} from '../../hw/spec-tdc-regs';

const maps = new WeakMap<RegTable, RegMap>();

/** "PREFIX NAME FIELDS" for an access at off in a register table, or the hex offset. */
export function describeIn(
  table: RegTable,
  off: number,
  dir: 'read' | 'write',
  value: number,
  prefix: string,
): string {
  let map = maps.get(table);
  if (!map) {
    map = new RegMap(table);
    maps.set(table, map);
  }
  const name = map.nameAt(off, dir);
  return name ? `${prefix}${map.decode(name, value)}` : `${prefix}0x${off.toString(16)}`;
}

export function describeTdc(offset: number, dir: 'read' | 'write', value: number): string {
  if (offset < TDC_ONEWIRE) return `TDC SDB +0x${offset.toString(16)}`;
  if (offset < TDC_CORE) return describeIn(TDC_ONEWIRE_REGS, offset - TDC_ONEWIRE, dir, value, 'TDC 1W ');
  if (offset < TDC_EIC) return describeIn(TDC_CORE_REGS, offset - TDC_CORE, dir, value, 'TDC ');
  if (offset < TDC_EIC + 0x1000) return describeIn(TDC_EIC_REGS, offset - TDC_EIC, dir, value, 'TDC EIC ');
  if (offset >= TDC_TS_BASE && offset < TDC_TS_BASE + TDC_CHANNELS * TDC_TS_STRIDE) {
    const rel = offset - TDC_TS_BASE;
    const ch = Math.floor(rel / TDC_TS_STRIDE);
    return describeIn(TDC_TS_REGS, rel % TDC_TS_STRIDE, dir, value, `TDC TS${ch + 1} `);
  }
  if (offset >= TDC_DMABUF_BASE && offset < TDC_DMABUF_BASE + TDC_CHANNELS * TDC_DMABUF_STRIDE) {
    const rel = offset - TDC_DMABUF_BASE;
    const ch = Math.floor(rel / TDC_DMABUF_STRIDE);
    return describeIn(TDC_DMABUF_REGS, rel % TDC_DMABUF_STRIDE, dir, value, `TDC BUF${ch + 1} `);
  }
  return `TDC +0x${offset.toString(16)}`;
}
