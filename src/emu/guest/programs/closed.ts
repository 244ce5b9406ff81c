// `closed` program: the port is never opened, so the driver leaves the receiver off (host
// bytes are not taken and nothing is echoed).
import type { GuestProgram } from './program';

export class ClosedProgram implements GuestProgram {
  readonly name = 'closed';
  start(): void {}
  attach(): void {}
  stop(): void {}
  onData(): void {}
  onInterrupt(): void {}
  snapshot(): unknown {
    return { v: 1 };
  }
  restore(s: unknown): void {
    if ((s as { v?: number })?.v !== 1) throw new Error('closed program snapshot: bad data');
  }
}
