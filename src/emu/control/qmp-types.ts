// QMP wire shapes and the error type every command handler throws (automation.md §2).

export interface QmpCommand {
  execute: string;
  arguments?: Record<string, unknown>;
  id?: unknown;
}

export type QmpResponse =
  | { return: unknown; id?: unknown }
  | { error: { class: string; desc: string }; id?: unknown };

/** QEMU's error classes. GenericError is the usual one; DeviceNotFound and CommandNotFound exist too. */
export type QmpErrorClass = 'GenericError' | 'CommandNotFound' | 'DeviceNotFound' | 'KVMMissingCap';

/** Thrown by handlers and validators; desc is QEMU's exact message where QEMU has one. */
export class QmpError extends Error {
  override name = 'QmpError';
  constructor(
    readonly errorClass: QmpErrorClass,
    readonly desc: string,
  ) {
    super(desc);
  }
}

/**
 * A command handler: validates its arguments fully before changing any state (a failed
 * command changes nothing), then returns the QMP `return` value.
 */
export type QmpHandler = (args: Record<string, unknown>) => unknown;

export type QmpCommandTable = Record<string, QmpHandler>;
