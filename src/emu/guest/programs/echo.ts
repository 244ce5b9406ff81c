// `echo` program: opens its port in raw mode and writes back every byte it receives.
import { rawTermios } from '../tty';
import type { GuestProgram, ProgramContext } from './program';

export class EchoProgram implements GuestProgram {
  readonly name = 'echo';
  constructor(private readonly ctx: ProgramContext) {}

  start(): void {
    this.ctx.tty.open();
    this.ctx.tty.setTermios(rawTermios(this.ctx.tty.termios));
    this.attach();
  }

  attach(): void {
    this.ctx.tty.attach(this);
  }

  stop(): void {
    this.ctx.tty.detach(this);
    this.ctx.tty.close();
  }

  onData(bytes: ArrayLike<number>): void {
    this.ctx.tty.write(bytes);
  }

  onInterrupt(): void {}

  snapshot(): unknown {
    return { v: 1 };
  }

  restore(s: unknown): void {
    if ((s as { v?: number })?.v !== 1) throw new Error('echo program snapshot: bad data');
  }
}
