import { describe, expect, it } from 'vitest';
import { IrqTable } from './irq-table';

describe('IrqTable', () => {
  it('keeps numbers in and out of 0–255 apart and lists them all in ascending order', () => {
    const t = new IrqTable<string>();
    for (const irq of [300, 19, -1, 0, 255, 256, 1.5]) t.set(irq, `v${irq}`);
    expect(t.get(19)).toBe('v19');
    expect(t.get(1.5)).toBe('v1.5');
    expect(t.get(256)).toBe('v256');
    expect(t.get(18)).toBeUndefined();
    expect(t.entries().map(([irq]) => irq)).toEqual([-1, 0, 1.5, 19, 255, 256, 300]);
    t.clear();
    expect(t.entries()).toEqual([]);
    expect(t.get(300)).toBeUndefined();
  });
});
