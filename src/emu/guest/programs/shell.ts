// `shell` program: a tiny deterministic command shell on a serial port (prompt "ipoctalN$ ").
// Commands: help, ls /dev, lspci, dmesg, stty [-F dev] [settings], stats, echo ARGS, uptime,
// cat FILE (streams a tty until Ctrl-C), and `> FILE` redirection to a device.
import { printkTime } from '../kernel';
import { lspci } from '../pci-enum';
import { decodeLatin1, formatOf, rawTermios, type Termios, type Tty, type TtyReader } from '../tty';
import type { GuestProgram, ProgramContext } from './program';

export interface ShellSnapshot {
  v: 1;
  /** Device name being streamed by `cat`, or null. */
  cat: string | null;
}

const HELP = [
  'commands:',
  '  help                 this list',
  '  ls /dev              device nodes',
  '  lspci                PCI devices',
  '  dmesg                kernel messages',
  '  stty [-F dev] [baud] [cs5|cs6|cs7|cs8] [[-]parenb] [[-]parodd] [[-]cstopb] [[-]crtscts] [raw|sane]',
  '  stats                serial driver counters per port',
  '  echo ARGS            print ARGS',
  '  uptime               time since boot',
  '  cat FILE             stream a device until Ctrl-C',
  '  CMD > /dev/DEV       send the output of CMD to a device',
];

/** Splits a command line into words; single and double quotes group words. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote = '';
  let has = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = '';
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (ch === ' ' || ch === '\t') {
      if (has || cur) words.push(cur);
      cur = '';
      has = false;
    } else if (ch === '>') {
      if (has || cur) words.push(cur);
      words.push('>');
      cur = '';
      has = false;
    } else cur += ch;
  }
  if (has || cur) words.push(cur);
  return words;
}

/** Applies stty words to a termios; returns an error message for a bad word. */
export function applyStty(t: Termios, words: readonly string[]): { termios: Termios } | { error: string } {
  const out: Termios = { ...t };
  for (const w of words) {
    if (/^\d+$/.test(w)) out.baud = Number(w);
    else if (/^cs[5-8]$/.test(w)) out.csize = Number(w.slice(2)) as Termios['csize'];
    else if (w === 'raw') Object.assign(out, rawTermios(out));
    else if (w === 'sane' || w === '-raw')
      Object.assign(out, { icanon: true, echo: true, icrnl: true, onlcr: true, isig: true });
    else {
      const off = w.startsWith('-');
      const name = off ? w.slice(1) : w;
      const flags: Record<string, keyof Termios> = {
        parenb: 'parenb',
        parodd: 'parodd',
        cstopb: 'cstopb',
        crtscts: 'crtscts',
        icanon: 'icanon',
        echo: 'echo',
        icrnl: 'icrnl',
        onlcr: 'onlcr',
        isig: 'isig',
      };
      const key = flags[name];
      if (!key) return { error: `stty: invalid argument '${w}'` };
      (out as unknown as Record<string, boolean>)[key] = !off;
    }
  }
  return { termios: out };
}

function describeTermios(t: Termios): string {
  const flag = (on: boolean, name: string) => (on ? name : `-${name}`);
  return [
    `speed ${t.baud} baud; ${formatOf(t)}`,
    [
      `cs${t.csize}`,
      flag(t.parenb, 'parenb'),
      flag(t.parodd, 'parodd'),
      flag(t.cstopb, 'cstopb'),
      flag(t.crtscts, 'crtscts'),
      flag(t.icanon, 'icanon'),
      flag(t.echo, 'echo'),
      flag(t.icrnl, 'icrnl'),
      flag(t.onlcr, 'onlcr'),
      flag(t.isig, 'isig'),
    ].join(' '),
  ].join('\n');
}

export class ShellProgram implements GuestProgram {
  readonly name = 'shell';
  private cat: { device: string; tty: Tty; reader: TtyReader } | null = null;

  constructor(private readonly ctx: ProgramContext) {}

  get prompt(): string {
    return `ipoctal${this.ctx.port}$ `;
  }

  start(): void {
    const tty = this.ctx.tty;
    tty.open();
    tty.setTermios({ icanon: true, echo: true, icrnl: true, onlcr: true, isig: true });
    this.attach();
    tty.write(this.prompt);
  }

  attach(): void {
    this.ctx.tty.attach(this);
  }

  stop(): void {
    this.stopCat(false);
    this.ctx.tty.detach(this);
    this.ctx.tty.close();
  }

  onInterrupt(): void {
    if (this.cat) this.stopCat(true);
    else this.ctx.tty.write(this.prompt);
  }

  onData(bytes: ArrayLike<number>): void {
    if (this.cat) return; // input while cat streams is discarded, as a shell blocked in cat would queue it
    const line = decodeLatin1(bytes).replace(/[\r\n]+$/, '');
    this.run(line);
    if (!this.cat) this.ctx.tty.write(this.prompt);
  }

  /** Runs one command line (exposed for tests). */
  run(line: string): void {
    const words = splitWords(line);
    const redirectAt = words.indexOf('>');
    let target: Tty | undefined;
    if (redirectAt >= 0) {
      const path = words[redirectAt + 1];
      if (!path) {
        this.say('sh: syntax error: missing redirection target');
        return;
      }
      target = this.ctx.kernel.lookup(path);
      if (!target) {
        this.say(`sh: can't create ${path}: No such device`);
        return;
      }
      words.splice(redirectAt, 2);
    }
    if (words.length === 0) return;
    const lines: string[] = [];
    const out = (s: string) => lines.push(s);
    if (target) {
      if (words[0] === 'cat') {
        this.say('sh: cat with redirection is not supported');
        return;
      }
      this.exec(words, out);
      target.open();
      if (lines.length) target.write(`${lines.join('\n')}\n`);
      target.close();
      return;
    }
    this.exec(words, (s) => this.say(s));
  }

  private say(s: string): void {
    this.ctx.tty.write(`${s}\n`);
  }

  private exec(words: string[], out: (s: string) => void): void {
    const [cmd, ...args] = words;
    const k = this.ctx.kernel;
    switch (cmd) {
      case 'help':
        for (const l of HELP) out(l);
        return;
      case 'ls': {
        const dir = args[0] ?? '/';
        if (dir === '/') out('dev');
        else if (dir === '/dev' || dir === '/dev/') for (const n of k.deviceNames()) out(n);
        else if (k.lookup(dir)) out(dir);
        else out(`ls: ${dir}: No such file or directory`);
        return;
      }
      case 'lspci':
        for (const l of lspci(this.ctx.pciDevices())) out(l);
        return;
      case 'dmesg':
        for (const l of k.dmesg()) out(l);
        return;
      case 'echo':
        out(args.join(' '));
        return;
      case 'uptime':
        out(`up ${printkTime(k.uptimeNs()).slice(1, -1).trim()} s`);
        return;
      case 'stats': {
        out('port device          baud  fmt  tx       rx       frame  parity break  overrun');
        for (const p of this.ctx.ports()) {
          out(
            [
              String(p.port).padEnd(4),
              p.device.padEnd(15),
              String(p.baud).padEnd(5),
              p.format.padEnd(4),
              String(p.tx).padEnd(8),
              String(p.rx).padEnd(8),
              String(p.framing).padEnd(6),
              String(p.parity).padEnd(6),
              String(p.break).padEnd(6),
              String(p.overrun),
            ].join(' '),
          );
        }
        return;
      }
      case 'stty': {
        this.stty(args, out);
        return;
      }
      case 'cat': {
        this.startCat(args[0], out);
        return;
      }
      default:
        out(`sh: ${cmd}: not found`);
    }
  }

  private stty(args: string[], out: (s: string) => void): void {
    let tty = this.ctx.tty;
    let rest = args;
    if (args[0] === '-F') {
      const found = args[1] ? this.ctx.kernel.lookup(args[1]) : undefined;
      if (!found) {
        out(`stty: ${args[1] ?? ''}: No such device`);
        return;
      }
      tty = found;
      rest = args.slice(2);
    }
    if (rest.length === 0) {
      out(describeTermios(tty.termios));
      return;
    }
    const r = applyStty(tty.termios, rest);
    if ('error' in r) {
      out(r.error);
      return;
    }
    tty.open();
    tty.setTermios(r.termios);
    tty.close();
  }

  private startCat(path: string | undefined, out: (s: string) => void): void {
    if (!path) {
      out('cat: missing operand');
      return;
    }
    const src = this.ctx.kernel.lookup(path);
    if (!src) {
      out(`cat: ${path}: No such file or directory`);
      return;
    }
    this.beginCat(src, true);
  }

  /** Borrows src's input; on restore the open count came back with src's own snapshot. */
  private beginCat(src: Tty, open: boolean): void {
    const reader: TtyReader = {
      onData: (bytes) => this.ctx.tty.write(bytes),
      onInterrupt: () => this.stopCat(true),
    };
    if (open) src.open();
    src.attach(reader);
    this.cat = { device: src.name, tty: src, reader };
  }

  private stopCat(prompt: boolean): void {
    const c = this.cat;
    if (!c) return;
    this.cat = null;
    c.tty.detach(c.reader);
    c.tty.close();
    if (prompt) this.ctx.tty.write(this.prompt);
  }

  snapshot(): ShellSnapshot {
    return { v: 1, cat: this.cat?.device ?? null };
  }

  restore(s: unknown): void {
    const snap = s as ShellSnapshot;
    if (snap?.v !== 1 || !(snap.cat === null || typeof snap.cat === 'string'))
      throw new Error('shell snapshot: bad data');
    const src = snap.cat === null ? undefined : this.ctx.kernel.lookup(snap.cat);
    if (snap.cat !== null && !src) throw new Error(`shell snapshot: no device ${snap.cat}`);
    if (this.cat) {
      this.cat.tty.detach(this.cat.reader);
      this.cat = null;
    }
    if (src) this.beginCat(src, false);
  }
}
