import { describe, expect, it } from 'vitest';
import { QmpDispatcher } from './qmp';
import { QmpError } from './qmp-types';

function rig() {
  const d = new QmpDispatcher();
  let value = 0;
  d.register({
    'x-set': (args) => {
      if (typeof args.value !== 'number') throw new QmpError('GenericError', "Parameter 'value' is missing");
      value = args.value;
      return {};
    },
    'x-boom': () => {
      throw new Error('internal');
    },
  });
  return {
    d,
    get value() {
      return value;
    },
  };
}

describe('QmpDispatcher', () => {
  it('answers the handshake and lists every registered command', () => {
    const { d } = rig();
    expect(d.execute({ execute: 'qmp_capabilities' })).toEqual({ return: {} });
    const version = d.execute({ execute: 'query-version' }) as { return: { qemu: { major: number } } };
    expect(version.return.qemu.major).toBe(10);
    const names = (d.execute({ execute: 'query-commands' }) as { return: { name: string }[] }).return.map(
      (c) => c.name,
    );
    expect(names).toEqual(
      expect.arrayContaining(['qmp_capabilities', 'query-version', 'query-commands', 'x-set']),
    );
  });

  it.each([
    [42, 'GenericError', 'QMP input must be a JSON object'],
    [[1], 'GenericError', 'QMP input must be a JSON object'],
    [null, 'GenericError', 'QMP input must be a JSON object'],
    [{}, 'GenericError', "QMP input lacks member 'execute'"],
    [{ execute: 1 }, 'GenericError', "QMP input member 'execute' must be a string"],
    [{ execute: 'x-set', arguments: [] }, 'GenericError', "QMP input member 'arguments' must be an object"],
    [{ execute: 'x-set', arguments: null }, 'GenericError', "QMP input member 'arguments' must be an object"],
    [{ execute: 'x-set', bogus: 1 }, 'GenericError', "QMP input member 'bogus' is unexpected"],
    [{ execute: 'foo' }, 'CommandNotFound', 'The command foo has not been found'],
  ])('rejects malformed input %j with QEMU text', (input, cls, desc) => {
    const { d } = rig();
    expect(d.execute(input)).toMatchObject({ error: { class: cls, desc } });
  });

  it('rejects arguments the standard commands do not take', () => {
    const { d } = rig();
    expect(d.execute({ execute: 'query-version', arguments: { x: 1 } })).toMatchObject({
      error: { class: 'GenericError', desc: "Parameter 'x' is unexpected" },
    });
    expect(d.execute({ execute: 'qmp_capabilities', arguments: { enable: ['oob'] } })).toEqual({
      return: {},
    });
  });

  it('echoes the id on success and on error', () => {
    const { d } = rig();
    expect(d.execute({ execute: 'x-set', arguments: { value: 3 }, id: 'a' })).toEqual({
      return: {},
      id: 'a',
    });
    expect(d.execute({ execute: 'nope', id: 7 })).toMatchObject({
      id: 7,
      error: { class: 'CommandNotFound' },
    });
  });

  it('turns handler exceptions into errors without throwing', () => {
    const r = rig();
    expect(r.d.execute({ execute: 'x-set' })).toMatchObject({
      error: { desc: "Parameter 'value' is missing" },
    });
    expect(r.d.execute({ execute: 'x-boom' })).toEqual({
      error: { class: 'GenericError', desc: 'internal' },
    });
    expect(r.value).toBe(0);
  });

  it('refuses to register a command twice', () => {
    const { d } = rig();
    expect(() => d.register({ 'x-set': () => ({}) })).toThrow(/twice/);
  });
});
