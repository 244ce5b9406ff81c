import { describe, expect, it } from 'vitest';
import { LOG_LINES_KEPT, SerialLog, stripControls } from './serial-log';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('SerialLog', () => {
  it('stamps each line with the virtual time of the chunk that started it', () => {
    const log = new SerialLog();
    log.append(bytes('ipoctal0$ he'), 1_500_000_000);
    log.append(bytes('lp\r\ncommands:\r\n'), 2_000_000_000);
    expect(log.text()).toBe('[     1.500000] ipoctal0$ help\n[     2.000000] commands:\n');
  });

  it('keeps the unfinished line in the tail and strips escape sequences', () => {
    const log = new SerialLog();
    log.append(bytes('a\nb\n\x1b[1mbold\x1b[0m'), 0);
    expect(log.tail(2)).toEqual(['b', 'bold']);
    expect(stripControls('x\x07y\tz')).toBe('xy\tz');
  });

  it('decodes UTF-8 split across chunks and stays bounded', () => {
    const log = new SerialLog();
    const e = bytes('é\n');
    log.append(e.slice(0, 1), 0);
    log.append(e.slice(1), 0);
    expect(log.tail(1)).toEqual(['é']);
    log.append(bytes('x\n'.repeat(LOG_LINES_KEPT + 50)), 0);
    expect(log.text().split('\n').length - 1).toBe(LOG_LINES_KEPT);
  });
});
