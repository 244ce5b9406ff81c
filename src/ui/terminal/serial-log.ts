// Per-port text log of what each host end received, one line per guest output line, stamped with
// the virtual time of the chunk that started it (the worker drains every few ms of virtual time,
// so a stamp is within one drain of the first byte). Bounded; downloadable as plain text.

/** Lines kept per port (older lines are dropped). */
export const LOG_LINES_KEPT = 10_000;

interface Line {
  atNs: number;
  text: string;
}

export class SerialLog {
  private lines: Line[] = [];
  private current: Line | null = null;
  private readonly decoder = new TextDecoder('utf-8');
  /** Changes whenever text is added. */
  version = 0;

  append(bytes: Uint8Array, atNs: number): void {
    const text = this.decoder.decode(bytes, { stream: true });
    if (text.length === 0) return;
    this.version++;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      const piece = text.slice(start, nl < 0 ? text.length : nl).replace(/\r/g, '');
      if (piece.length > 0 || nl >= 0) {
        if (!this.current) this.current = { atNs, text: '' };
        this.current.text += piece;
      }
      if (nl < 0) break;
      if (this.current) this.lines.push(this.current);
      this.current = null;
      start = nl + 1;
    }
    if (this.lines.length > LOG_LINES_KEPT) this.lines.splice(0, this.lines.length - LOG_LINES_KEPT);
  }

  /** The last n lines (the unfinished one included), without control sequences. */
  tail(n: number): string[] {
    const all = this.current ? [...this.lines.slice(-n), this.current] : this.lines.slice(-n);
    return all.slice(-n).map((l) => stripControls(l.text));
  }

  /** "[    12.345678] text" per line, virtual seconds. */
  text(): string {
    const all = this.current ? [...this.lines, this.current] : this.lines;
    return all.map((l) => `[${(l.atNs / 1e9).toFixed(6).padStart(13)}] ${stripControls(l.text)}\n`).join('');
  }

  clear(): void {
    this.lines = [];
    this.current = null;
    this.version++;
  }
}

/** Removes ANSI escape sequences and other control characters (keeps tabs). */
export function stripControls(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal output is being cleaned
  return s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]|[\x00-\x08\x0b-\x1f\x7f]/g, '');
}
