// QMP dispatcher (automation.md §2): parses one QMP input object, runs the registered handler,
// and answers with `{return}` or `{error: {class, desc}}` in QEMU's words. It never throws.
// Handlers validate before they change anything; the dispatcher turns their QmpError (or any
// other exception) into a QMP error and echoes the input's `id`.
import { type QmpCommandTable, QmpError, type QmpHandler, type QmpResponse } from './qmp-types';

/** The QEMU version the lab speaks (its QMP surface follows QEMU 10.1). */
export const QEMU_VERSION = { major: 10, minor: 1, micro: 0 } as const;
export const PACKAGE_NAME = 'device-lab 0.1.0';

const ALLOWED_MEMBERS = new Set(['execute', 'arguments', 'id']);

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** QEMU's check for members a command does not declare. */
function noArgsBut(args: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(args)) {
    if (!allowed.includes(key)) throw new QmpError('GenericError', `Parameter '${key}' is unexpected`);
  }
}

export class QmpDispatcher {
  private readonly handlers = new Map<string, QmpHandler>();

  constructor() {
    this.register({
      qmp_capabilities: (args) => {
        noArgsBut(args, ['enable']);
        return {};
      },
      'query-version': (args) => {
        noArgsBut(args, []);
        return { qemu: { ...QEMU_VERSION }, package: PACKAGE_NAME };
      },
      'query-commands': (args) => {
        noArgsBut(args, []);
        return [...this.handlers.keys()].map((name) => ({ name }));
      },
    });
  }

  /** Adds commands; a name registered twice is a wiring bug and throws at assembly time. */
  register(table: QmpCommandTable): void {
    for (const [name, handler] of Object.entries(table)) {
      if (this.handlers.has(name)) throw new Error(`qmp: command ${name} registered twice`);
      this.handlers.set(name, handler);
    }
  }

  has(name: string): boolean {
    return this.handlers.has(name);
  }

  /** Names of every registered command, in registration order. */
  commandNames(): string[] {
    return [...this.handlers.keys()];
  }

  /**
   * Validates the input's shape and finds its handler without running it. Returns the error
   * response for malformed input, or the handler and its arguments.
   */
  resolve(
    cmd: unknown,
  ):
    | { ok: true; name: string; handler: QmpHandler; args: Record<string, unknown>; id: unknown }
    | { ok: false; response: QmpResponse } {
    if (!isPlainObject(cmd)) return { ok: false, response: errorResponse('QMP input must be a JSON object') };
    const id = cmd.id;
    const fail = (desc: string, cls: QmpError['errorClass'] = 'GenericError') => ({
      ok: false as const,
      response: withId({ error: { class: cls, desc } }, id),
    });
    for (const key of Object.keys(cmd)) {
      if (!ALLOWED_MEMBERS.has(key)) return fail(`QMP input member '${key}' is unexpected`);
    }
    if (!('execute' in cmd)) return fail("QMP input lacks member 'execute'");
    if (typeof cmd.execute !== 'string') return fail("QMP input member 'execute' must be a string");
    const args = cmd.arguments === undefined ? {} : cmd.arguments;
    if (!isPlainObject(args)) return fail("QMP input member 'arguments' must be an object");
    const handler = this.handlers.get(cmd.execute);
    if (!handler) return fail(`The command ${cmd.execute} has not been found`, 'CommandNotFound');
    return { ok: true, name: cmd.execute, handler, args, id };
  }

  /** Runs one QMP input. Never throws. */
  execute(cmd: unknown): QmpResponse {
    const r = this.resolve(cmd);
    if (!r.ok) return r.response;
    return runHandler(r.handler, r.args, r.id);
  }
}

/** Calls a handler, mapping exceptions to QMP errors. */
export function runHandler(handler: QmpHandler, args: Record<string, unknown>, id: unknown): QmpResponse {
  try {
    const ret = handler(args);
    return withId({ return: ret === undefined ? {} : ret }, id);
  } catch (e) {
    if (e instanceof QmpError) return withId({ error: { class: e.errorClass, desc: e.desc } }, id);
    const desc = e instanceof Error ? e.message : String(e);
    return withId({ error: { class: 'GenericError', desc } }, id);
  }
}

export function isQmpError(r: QmpResponse): r is { error: { class: string; desc: string }; id?: unknown } {
  return 'error' in r;
}

function errorResponse(desc: string): QmpResponse {
  return { error: { class: 'GenericError', desc } };
}

function withId<T extends QmpResponse>(r: T, id: unknown): T {
  if (id !== undefined) (r as { id?: unknown }).id = id;
  return r;
}
