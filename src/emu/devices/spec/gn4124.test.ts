import { describe, expect, it } from 'vitest';
import { GN4124_REGS as R } from '../../hw/spec-tdc-regs';
import { Gn4124 } from './gn4124';

function rig() {
  let inta = false;
  let resets = 0;
  const gn = new Gn4124(
    (l) => (inta = l),
    () => resets++,
  );
  return { gn, inta: () => inta, resets: () => resets };
}

function routeGpio8(gn: Gn4124) {
  gn.write(R.GPIO_INT_TYPE.offset, 0x100);
  gn.write(R.GPIO_INT_VALUE.offset, 0x100);
  gn.write(R.GPIO_INT_MASK_CLR.offset, 0x100);
  gn.write(R.INT_CFG0.offset, 0xff00);
}

describe('GN4124 BAR4 (§1.3)', () => {
  it('boots with the FPGA programmed (FCL_STATUS.SPRI_DONE) and every GPIO interrupt masked', () => {
    const { gn } = rig();
    expect(gn.read(R.FCL_STATUS.offset) & 8).toBe(8);
    expect(gn.read(R.GPIO_INT_MASK.offset)).toBe(0xffff);
    expect(gn.read(R.GPIO_INPUT_VALUE.offset) & 0xc000).toBe(0xc000);
  });

  it('routes a level-high GPIO 8 to INT_STAT.GPIO and INTA through INT_CFG0', () => {
    const { gn, inta } = rig();
    routeGpio8(gn);
    expect(inta()).toBe(false);
    gn.setGpioInput(8, true);
    expect(gn.read(R.INT_STAT.offset)).toBe(0x8000);
    expect(inta()).toBe(true);
    gn.write(R.INT_CFG0.offset, 0x7f00);
    expect(inta()).toBe(false);
  });

  it('clears GPIO_INT_STATUS on read but sets it again while the level source is active', () => {
    const { gn } = rig();
    routeGpio8(gn);
    gn.setGpioInput(8, true);
    expect(gn.read(R.GPIO_INT_STATUS.offset)).toBe(0x100);
    expect(gn.read(R.GPIO_INT_STATUS.offset)).toBe(0x100);
    gn.setGpioInput(8, false);
    expect(gn.read(R.GPIO_INT_STATUS.offset)).toBe(0x100);
    expect(gn.read(R.GPIO_INT_STATUS.offset)).toBe(0);
  });

  it('latches edge-type pins on the configured edge only', () => {
    const { gn } = rig();
    gn.write(R.GPIO_INT_VALUE.offset, 0x200);
    gn.write(R.GPIO_INT_MASK_CLR.offset, 0x200);
    gn.setGpioInput(9, true);
    expect(gn.read(R.GPIO_INT_STATUS.offset)).toBe(0x200);
    gn.setGpioInput(9, false);
    expect(gn.read(R.GPIO_INT_STATUS.offset)).toBe(0);
  });

  it('raises INTA from SW bits (RW) and local-bus errors (W1C, I3)', () => {
    const { gn, inta } = rig();
    gn.write(R.INT_CFG0.offset, 0x7f0c);
    gn.write(R.INT_STAT.offset, 8);
    expect(inta()).toBe(true);
    gn.write(R.INT_STAT.offset, 0);
    expect(inta()).toBe(false);
    gn.raiseLocalBusError(3);
    expect(gn.read(R.INT_STAT.offset)).toBe(0x800);
    expect(inta()).toBe(true);
    gn.write(R.INT_STAT.offset, 0x800);
    expect(gn.read(R.INT_STAT.offset)).toBe(0);
    expect(inta()).toBe(false);
  });

  it('resets the FPGA when PCI_SYS_CFG_SYSTEM bit 14 goes 0 → 1', () => {
    const { gn, resets } = rig();
    gn.write(R.PCI_SYS_CFG_SYSTEM.offset, 0x3fff);
    expect(resets()).toBe(0);
    gn.write(R.PCI_SYS_CFG_SYSTEM.offset, 0x7fff);
    expect(resets()).toBe(1);
    gn.write(R.PCI_SYS_CFG_SYSTEM.offset, 0x7fff);
    expect(resets()).toBe(1);
  });
});
