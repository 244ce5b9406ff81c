// Register-map helper: one declarative table per device drives dispatch, reset, the trace
// decoder, the register inspector and the fuzz tests (STYLE.md §1). Registers that share an
// offset but differ by direction (SR/CSR, RHR/THR) are two entries.

export type Access = 'r' | 'w' | 'rw' | 'w1c' | 'rc';

export interface FieldDef {
  shift: number;
  width: number;
}

export const bit = (n: number): FieldDef => ({ shift: n, width: 1 });
export const bits = (shift: number, width: number): FieldDef => ({ shift, width });

export interface RegDef {
  offset: number;
  access: Access;
  /** Width in bytes of the register as the hardware defines it. */
  width?: 1 | 2 | 4;
  reset?: number;
  fields?: Record<string, FieldDef>;
  /** Fields that exist in hardware but are not modelled: an access shows in the trace by name. */
  unmodelled?: Record<string, FieldDef>;
  note?: string;
}

export type RegTable = Record<string, RegDef>;

export function defineRegs<T extends RegTable>(table: T): T {
  return table;
}

export function fieldGet(value: number, f: FieldDef): number {
  return f.width >= 32 ? value >>> 0 : (value >>> f.shift) & ((1 << f.width) - 1);
}

export function fieldSet(value: number, f: FieldDef, field: number): number {
  if (f.width >= 32) return field >>> 0;
  const mask = ((1 << f.width) - 1) << f.shift;
  return ((value & ~mask) | ((field << f.shift) & mask)) >>> 0;
}

const readable = (a: Access) => a !== 'w';
const writable = (a: Access) => a !== 'r' && a !== 'rc';

/** Lookup by offset and direction, and decoding of values for the trace and the inspector. */
export class RegMap<T extends RegTable = RegTable> {
  private readonly readByOffset = new Map<number, string>();
  private readonly writeByOffset = new Map<number, string>();

  constructor(readonly table: T) {
    for (const [name, def] of Object.entries(table)) {
      if (readable(def.access) && !this.readByOffset.has(def.offset)) this.readByOffset.set(def.offset, name);
      if (writable(def.access) && !this.writeByOffset.has(def.offset))
        this.writeByOffset.set(def.offset, name);
    }
  }

  /** The register name at offset for a read or a write, or undefined. */
  nameAt(offset: number, dir: 'read' | 'write'): (keyof T & string) | undefined {
    return (dir === 'read' ? this.readByOffset : this.writeByOffset).get(offset) as
      | (keyof T & string)
      | undefined;
  }

  /** "NAME FIELD=v FLAG" for the trace; unmodelled fields that are set are named with "unmodelled:". */
  decode(name: keyof T & string, value: number): string {
    const def = this.table[name];
    const parts: string[] = [name];
    for (const [fname, f] of Object.entries(def.fields ?? {})) {
      const v = fieldGet(value, f);
      if (f.width === 1) {
        if (v) parts.push(fname);
      } else parts.push(`${fname}=${v}`);
    }
    for (const [fname, f] of Object.entries(def.unmodelled ?? {})) {
      if (fieldGet(value, f)) parts.push(`unmodelled:${name}.${fname}`);
    }
    return parts.join(' ');
  }

  /** Reset values of every register that has one. */
  resetValues(): Record<keyof T & string, number> {
    const out = {} as Record<keyof T & string, number>;
    for (const [name, def] of Object.entries(this.table)) out[name as keyof T & string] = def.reset ?? 0;
    return out;
  }
}
