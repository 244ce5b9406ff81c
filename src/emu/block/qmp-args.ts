// QMP argument checks with QEMU's QAPI wording: members are visited in schema order, then any
// member left over is "unexpected". Every failure is a GenericError.
import { QmpError } from '../control/qmp-types';

export type ArgKind = 'int' | 'str' | 'int-list';

export interface ArgSpec {
  name: string;
  kind: ArgKind;
  required?: boolean;
}

const EXPECTED: Record<ArgKind, string> = { int: 'integer', str: 'string', 'int-list': 'array' };

function kindOk(kind: ArgKind, v: unknown): boolean {
  switch (kind) {
    case 'int':
      return typeof v === 'number' && Number.isInteger(v);
    case 'str':
      return typeof v === 'string';
    case 'int-list':
      return Array.isArray(v);
  }
}

/** Checks args against specs (schema order) and rejects unknown members. Throws QmpError. */
export function checkArgs(
  args: Readonly<Record<string, unknown>> | undefined,
  specs: readonly ArgSpec[],
): void {
  const a = args ?? {};
  for (const s of specs) {
    const v = a[s.name];
    if (v === undefined) {
      if (s.required) throw new QmpError('GenericError', `Parameter '${s.name}' is missing`);
      continue;
    }
    if (!kindOk(s.kind, v)) {
      throw new QmpError(
        'GenericError',
        `Invalid parameter type for '${s.name}', expected: ${EXPECTED[s.kind]}`,
      );
    }
    if (s.kind === 'int-list') {
      for (const item of v as unknown[]) {
        if (typeof item !== 'number' || !Number.isInteger(item)) {
          throw new QmpError('GenericError', `Invalid parameter type for '${s.name}', expected: integer`);
        }
      }
    }
  }
  const known = new Set(specs.map((s) => s.name));
  for (const key of Object.keys(a)) {
    if (!known.has(key)) throw new QmpError('GenericError', `Parameter '${key}' is unexpected`);
  }
}
