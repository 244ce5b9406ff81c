// Host-side line settings of a serial port ("9600 8N1" style) and text ↔ bytes for the host ends.
import type { FrameFormat } from '../devices/serial-backend';

export interface HostSettings {
  baud: number;
  /** Data bits, parity (N/E/O), stop bits: "8N1", "7E2", ... */
  format: string;
}

const FORMAT_RE = /^([5-8])([NEO])([12])$/;

/** Parses "8N1"-style settings into a frame; undefined if malformed. */
export function settingsToFrame(s: HostSettings): FrameFormat | undefined {
  const m = FORMAT_RE.exec(s.format);
  if (!m || !Number.isFinite(s.baud) || s.baud <= 0) return undefined;
  const parity = m[2] === 'N' ? 'none' : m[2] === 'E' ? 'even' : 'odd';
  return {
    baud: s.baud,
    dataBits: Number(m[1]) as FrameFormat['dataBits'],
    parity,
    stopBits: Number(m[3]),
  };
}

export function frameToSettings(f: FrameFormat): HostSettings {
  const parity = f.parity === 'none' ? 'N' : f.parity === 'even' ? 'E' : f.parity === 'odd' ? 'O' : 'S';
  return { baud: f.baud, format: `${f.dataBits}${parity}${f.stopBits >= 1.5 ? 2 : 1}` };
}

/** UTF-8 bytes of a string (what a terminal sends for typed text). */
export function utf8Encode(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}
