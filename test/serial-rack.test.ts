// The serial rack end to end: host end → SCC2698 → TPCI200 IRQ → guest ipoctal driver → tty →
// program → back out at line rate. Smallest rig: a scheduler and the rack (no Machine).
import { describe, expect, it } from 'vitest';
import { QmpError } from '../src/emu/control/qmp-types';
import { Rng } from '../src/emu/core/rng';
import { Scheduler } from '../src/emu/core/scheduler';
import { stateHash } from '../src/emu/core/snapshot';
import { TraceRing } from '../src/emu/core/trace';
import { HOST_OUTPUT_KEEP, SerialRack } from '../src/emu/serial/serial-rack';

const MS = 1_000_000;

function rig() {
  const sched = new Scheduler();
  const rack = new SerialRack(sched, new Rng(1));
  sched.runFor(20 * MS);
  const qmp = (cmd: string, args: Record<string, unknown> = {}) => rack.qmpCommands()[cmd](args);
  /** Runs until the port's host output contains text (fails loudly at the limit). */
  const waitFor = (port: number, text: string, limitMs = 2000, from = 0) =>
    sched.runUntilTrue(() => rack.hostOutput(port).indexOf(text, from) >= 0, sched.nowNs + limitMs * MS);
  /** Types a line into the shell on port 0 and returns its answer up to the next prompt. */
  const shell = (line: string, port = 0) => {
    const from = rack.hostOutput(port).length;
    rack.hostWrite(port, `${line}\r`);
    const prompt = `ipoctal${port}$ `;
    sched.runUntilTrue(() => rack.hostOutput(port).indexOf(prompt, from) >= 0, sched.nowNs + 3000 * MS);
    const out = rack.hostOutput(port).slice(from);
    return out.slice(0, out.indexOf(prompt));
  };
  const port = (n: number) => (qmp('x-query-serial') as ReturnType<SerialRack['ports']>)[n];
  return { sched, rack, qmp, waitFor, shell, port };
}

describe('serial rack: shell on port 0', () => {
  it('shows the prompt after boot and answers help', () => {
    const { rack, shell } = rig();
    expect(rack.hostOutput(0)).toBe('ipoctal0$ ');
    const out = shell('help');
    expect(out.startsWith('help\r\n')).toBe(true);
    expect(out).toContain('stty [-F dev]');
    expect(out).toContain('cat FILE');
  });

  it('lists /dev, the PCI devices and the kernel log', () => {
    const { shell } = rig();
    const ls = shell('ls /dev');
    for (let n = 0; n < 8; n++) expect(ls).toContain(`ipoctal.0.0.${n}\r\n`);
    expect(shell('lspci')).toMatch(
      /00:02\.0 0680: 1498:30c8 \(rev 00\) subsystem 1498:300a irq \d+ driver tpci200/,
    );
    const dmesg = shell('dmesg');
    expect(dmesg).toMatch(/\[ {4}0\.000000\] tpci200 0000:00:02\.0: Carrier installed/);
    expect(dmesg).toContain('ipack ipack-dev.0.0: fmt=0x1 vendor=0xf0 device=0x22');
    expect(dmesg).toContain('ipack ipack-dev.0.1: error reading device id section');
  });

  it('echoes arguments, tells the uptime and rejects unknown commands', () => {
    const { shell } = rig();
    expect(shell('echo hello   world')).toBe('echo hello   world\r\nhello world\r\n');
    expect(shell('uptime')).toMatch(/^uptime\r\nup 0\.\d{6} s\r\n$/);
    expect(shell('frobnicate')).toBe('frobnicate\r\nsh: frobnicate: not found\r\n');
  });

  it('erases with DEL and Backspace before running the line', () => {
    const { shell } = rig();
    expect(shell('echo abX\x7fc\x08d')).toContain('\r\nabd\r\n');
  });

  it('gives a fresh prompt on Ctrl-C and drops the partial line', () => {
    const { rack, sched, waitFor } = rig();
    rack.hostWrite(0, 'echo nope\x03');
    waitFor(0, '^C\r\nipoctal0$ ');
    sched.runFor(5 * MS);
    expect(rack.hostOutput(0)).not.toContain('nope\r\n');
  });

  it('prints driver counters with stats', () => {
    const { rack, shell, waitFor } = rig();
    rack.hostWrite(2, 'xyz');
    waitFor(2, 'xyz');
    expect(shell('stats')).toMatch(/\r\n2 +ipoctal\.0\.0\.2 +9600 +8N1 +3 +3 +0 +0 +0 +0\r\n/);
  });

  it('writes through another port with > redirection', () => {
    const { shell, waitFor } = rig();
    shell('echo hi there > /dev/ipoctal.0.0.6');
    waitFor(6, 'hi there\n');
    expect(shell('echo x > /dev/nothing')).toContain("sh: can't create /dev/nothing: No such device");
  });

  it('streams a port with cat until Ctrl-C, then the echo program gets its input back', () => {
    const { rack, shell, waitFor, sched } = rig();
    const from = rack.hostOutput(0).length;
    rack.hostWrite(0, 'cat /dev/ipoctal.0.0.3\r');
    sched.runFor(30 * MS);
    rack.hostWrite(3, 'abc\r');
    waitFor(0, 'abc\r', 100, from); // port 3 is raw (its echo program set it): CR arrives as CR
    sched.runFor(10 * MS);
    expect(rack.hostOutput(3)).toBe(''); // cat borrowed the input from the echo program
    rack.hostWrite(0, '\x03');
    waitFor(0, 'ipoctal0$ ', 100, from + 10);
    rack.hostWrite(3, 'after');
    waitFor(3, 'after');
    expect(shell('echo done')).toContain('done');
  });
});

describe('serial rack: stty and line timing', () => {
  it('stty with no arguments reports the settings', () => {
    const { shell } = rig();
    expect(shell('stty')).toContain(
      'speed 9600 baud; 8N1\r\ncs8 -parenb -parodd -cstopb -crtscts icanon echo',
    );
  });

  it('reprograms the UART through the driver and x-query-serial reports it', () => {
    const { shell, port } = rig();
    shell('stty -F /dev/ipoctal.0.0.2 19200 cs7 parenb parodd cstopb');
    expect(port(2)).toMatchObject({ baud: 19200, format: '7O2' });
    shell('stty -F /dev/ipoctal.0.0.2 57600');
    expect(port(2).baud).toBe(38400); // unsupported rates fall back to 38400 (§3.8)
    expect(shell('stty -F /dev/ipoctal.0.0.2 bogus')).toContain("stty: invalid argument 'bogus'");
  });

  function tenCharsNs(baud: number): number {
    const { rack, sched, shell, waitFor } = rig();
    shell(`stty ${baud}`);
    const from = rack.hostOutput(0).length;
    rack.hostWrite(0, 'echo 0123456789\r');
    waitFor(0, 'echo 0123456789\r\n', 2000, from);
    const start = sched.nowNs; // the '\n' that ends the echoed command line has just arrived
    waitFor(0, '\r\n0123456789', 2000, from);
    return sched.nowNs - start;
  }

  it('sends 10 characters at 9600 8N1 in 10 × 1.0417 ms (±1%) after stty 9600', () => {
    const ns = tenCharsNs(9600);
    expect(Math.abs(ns - 10 * 1_041_667) / (10 * 1_041_667)).toBeLessThan(0.01);
  });

  it('sends them twice as fast after stty 19200', () => {
    const ns = tenCharsNs(19200);
    expect(Math.abs(ns - 10 * 520_833) / (10 * 520_833)).toBeLessThan(0.01);
  });
});

describe('serial rack: echo ports and errors', () => {
  it('echoes on every port 1–7 and counts rx/tx in the guest driver', () => {
    const { rack, waitFor, port } = rig();
    for (let n = 1; n < 8; n++) rack.hostWrite(n, `port${n}`);
    for (let n = 1; n < 8; n++) waitFor(n, `port${n}`);
    for (let n = 1; n < 8; n++) expect(port(n)).toMatchObject({ device: `ipoctal.0.0.${n}`, tx: 5, rx: 5 });
  });

  it.each([
    ['framing', 'framing'],
    ['parity', 'parity'],
    ['break', 'break'],
    ['overrun', 'overrun'],
  ] as const)('counts an injected %s error in the guest driver', (kind, counter) => {
    const { rack, sched, port } = rig();
    rack.inject(1, kind);
    if (kind !== 'break') rack.hostWrite(1, 'q');
    sched.runFor(10 * MS);
    const p = port(1);
    expect(p[counter]).toBe(1);
    for (const other of ['framing', 'parity', 'break', 'overrun'] as const)
      if (other !== counter) expect(p[other]).toBe(0);
  });

  it('a closed port never opens: the host bytes are not taken and nothing comes back', () => {
    const { rack, sched, port, qmp } = rig();
    qmp('x-serial-program', { port: 5, program: 'closed' });
    rack.hostWrite(5, 'ignored');
    sched.runFor(20 * MS);
    expect(rack.hostOutput(5)).toBe('');
    expect(port(5).rx).toBe(0);
  });

  it('a host end with settings that disagree with the guest gets garbled bytes', () => {
    const { rack, sched, qmp } = rig();
    qmp('x-serial-host', { port: 4, settings: { baud: 19200, format: '8N1' } });
    rack.hostWrite(4, 'hello');
    sched.runFor(20 * MS);
    expect(rack.hostOutput(4)).not.toContain('hello');
    qmp('x-serial-host', { port: 4, settings: 'follow' });
    rack.hostWrite(4, 'hello');
    sched.runFor(20 * MS);
    expect(rack.hostOutput(4)).toContain('hello');
  });
});

describe('serial rack: null-modem cable', () => {
  it('carries bytes from port 6 into port 7 and back', () => {
    const { shell, waitFor, port, qmp } = rig();
    qmp('x-serial-connect', { port: 6, peer: 7 });
    qmp('x-serial-program', { port: 7, program: 'shell' });
    qmp('x-serial-program', { port: 6, program: 'closed' });
    shell('stty -F /dev/ipoctal.0.0.6 raw -echo');
    shell('echo uptime > /dev/ipoctal.0.0.6');
    waitFor(7, 'uptime\r\nup 0.');
    expect(port(7).rx).toBeGreaterThanOrEqual(7);
  });

  it('garbles the bytes when the two ends run different rates', () => {
    const { rack, shell, sched, port, qmp } = rig();
    qmp('x-serial-connect', { port: 6, peer: 7 });
    qmp('x-serial-program', { port: 6, program: 'closed' });
    shell('stty -F /dev/ipoctal.0.0.6 raw -echo');
    shell('stty -F /dev/ipoctal.0.0.7 19200');
    shell('echo UUUUUUUU > /dev/ipoctal.0.0.6');
    sched.runFor(50 * MS);
    const p = port(7);
    expect(rack.hostOutput(7)).not.toContain('UUUU');
    expect(p.framing + p.parity + p.break).toBeGreaterThan(0);
  });

  it('paces the transmitters of two unpaced echoing ends: the ping-pong moves at the line rate', () => {
    const { rack, sched } = rig();
    rack.setUnpaced(1, true);
    rack.setUnpaced(2, true);
    rack.connect(1, 2);
    rack.hostWrite(1, 'ping');
    const t0 = sched.nowNs;
    sched.runFor(20 * MS); // returns: no endless exchange at one instant
    expect(sched.nowNs).toBe(t0 + 20 * MS);
    // Each hop costs a 9600 8N1 character time (≈ 1.04 ms): about 20 hops' worth of bytes.
    const c = rack.counters();
    expect(c[1].hostReceived + c[2].hostReceived).toBeGreaterThan(8);
    expect(c[1].hostReceived + c[2].hostReceived).toBeLessThan(4 * 20);
    rack.connect(1, null);
    const from = rack.hostOutput(1).length;
    rack.hostWrite(1, 'solo');
    // Unplugged and unpaced again: once the character in the shift register ends (≤ 1.04 ms),
    // the rest leaves at once; paced, the 4 bytes alone would need 4.2 ms.
    sched.runFor(2 * MS);
    expect(rack.hostOutput(1).indexOf('solo', from)).toBeGreaterThanOrEqual(from);
  });

  it('unplugs with peer null', () => {
    const { rack, sched, qmp } = rig();
    qmp('x-serial-connect', { port: 1, peer: 2 });
    qmp('x-serial-connect', { port: 2, peer: null });
    expect(rack.peerOf(1)).toBeNull();
    rack.hostWrite(1, 'solo');
    sched.runFor(20 * MS);
    expect(rack.hostOutput(2)).toBe('');
  });
});

describe('serial rack: QMP', () => {
  const bad = (f: () => unknown, desc: string) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(QmpError);
      expect((e as QmpError).desc).toBe(desc);
      return;
    }
    throw new Error(`no error, expected "${desc}"`);
  };

  it('x-query-serial returns the documented shape for all eight ports', () => {
    const { qmp } = rig();
    const ports = qmp('x-query-serial') as Record<string, unknown>[];
    expect(ports).toHaveLength(8);
    expect(Object.keys(ports[0]).sort()).toEqual(
      ['baud', 'break', 'device', 'format', 'framing', 'overrun', 'parity', 'port', 'rx', 'tx'].sort(),
    );
    expect(ports[0]).toMatchObject({ port: 0, device: 'ipoctal.0.0.0', baud: 9600, format: '8N1' });
  });

  it('rejects bad arguments with clear messages and changes nothing', () => {
    const { qmp, rack } = rig();
    const before = stateHash(rack.snapshot());
    bad(() => qmp('x-serial-write', { data: 'x' }), "Parameter 'port' is missing");
    bad(() => qmp('x-serial-write', { port: 8, data: 'x' }), "Parameter 'port' expects a port from 0 to 7");
    bad(
      () => qmp('x-serial-write', { port: '1', data: 'x' }),
      "Invalid parameter type for 'port', expected: integer",
    );
    bad(() => qmp('x-serial-write', { port: 1 }), "Parameter 'data' is missing");
    bad(() => qmp('x-serial-write', { port: 1, data: 'x', extra: 1 }), "Parameter 'extra' is unexpected");
    bad(
      () => qmp('x-serial-inject', { port: 1, kind: 'noise' }),
      "Parameter 'kind' does not accept value 'noise'",
    );
    bad(() => qmp('x-serial-connect', { port: 1 }), "Parameter 'peer' is missing");
    bad(() => qmp('x-serial-connect', { port: 1, peer: 1 }), "Parameter 'peer' must differ from 'port'");
    bad(
      () => qmp('x-serial-program', { port: 1, program: 'vim' }),
      "Parameter 'program' does not accept value 'vim'",
    );
    bad(
      () => qmp('x-serial-host', { port: 1, unpaced: 'yes' }),
      "Invalid parameter type for 'unpaced', expected: boolean",
    );
    bad(
      () => qmp('x-serial-host', { port: 1, settings: { baud: 9600, format: '9X1' } }),
      "Parameter 'settings.format' does not accept value '9X1' (expected e.g. 8N1, 7E2, 8O1)",
    );
    expect(stateHash(rack.snapshot())).toBe(before);
  });

  it('x-serial-host reports and changes a host end', () => {
    const { qmp } = rig();
    expect(qmp('x-serial-host', { port: 3, unpaced: true })).toEqual({
      port: 3,
      unpaced: true,
      settings: 'follow',
      peer: null,
      program: 'echo',
    });
  });
});

describe('serial rack: snapshot', () => {
  it('restore + run equals run, bit for bit, from the middle of a shell answer', () => {
    const a = rig();
    a.rack.hostWrite(0, 'help\r');
    a.rack.hostWrite(3, 'abcdef');
    a.sched.runFor(12 * MS);
    const snap = { rack: a.rack.snapshot(), sched: a.sched.snapshot() };
    a.sched.runFor(900 * MS);

    const sched = new Scheduler();
    const b = new SerialRack(sched, new Rng(1));
    b.restore(JSON.parse(JSON.stringify(snap.rack)));
    sched.restore(JSON.parse(JSON.stringify(snap.sched)));
    sched.runFor(900 * MS);
    expect(b.hostOutput(0)).toBe(a.rack.hostOutput(0));
    expect(stateHash(b.snapshot())).toBe(stateHash(a.rack.snapshot()));
  });

  it('restores the programs of the snapshot, including a cat in progress', () => {
    const a = rig();
    a.qmp('x-serial-program', { port: 5, program: 'closed' });
    a.rack.hostWrite(0, 'cat /dev/ipoctal.0.0.4\r');
    a.sched.runFor(40 * MS);
    const snap = { rack: a.rack.snapshot(), sched: a.sched.snapshot() };

    const sched = new Scheduler();
    const b = new SerialRack(sched, new Rng(1));
    b.restore(JSON.parse(JSON.stringify(snap.rack)));
    sched.restore(JSON.parse(JSON.stringify(snap.sched)));
    expect(b.programOf(5)).toBe('closed');
    const from = b.hostOutput(0).length;
    b.hostWrite(4, 'zz');
    sched.runUntilTrue(() => b.hostOutput(0).indexOf('zz', from) >= 0, sched.nowNs + 100 * MS);
    b.hostWrite(5, 'nothing');
    sched.runFor(20 * MS);
    expect(b.hostOutput(5)).toBe('');
  });

  it('refuses a malformed snapshot without changing state', () => {
    const { rack } = rig();
    const before = stateHash(rack.snapshot());
    expect(() => rack.restore({ v: 2 })).toThrow();
    const snap = rack.snapshot();
    expect(() => rack.restore({ ...snap, guest: { ...snap.guest, ttys: [] } })).toThrow();
    expect(stateHash(rack.snapshot())).toBe(before);
  });
});

describe('serial rack: bus trace', () => {
  it('decodes lazily, when read, exactly the text an eager decode gave at each access', () => {
    const run = (lazy: boolean) => {
      const sched = new Scheduler();
      const trace = new TraceRing(1 << 17, () => sched.nowNs);
      const rack = new SerialRack(sched, new Rng(1), trace);
      // Without traceContext the bus decodes at the access (the eager path).
      if (!lazy) (rack.hw.tpci200 as { traceContext?: unknown }).traceContext = undefined;
      sched.runFor(20 * MS);
      rack.hostWrite(0, 'stty -F /dev/ipoctal.0.0.5 19200 cs7 parenb\r');
      sched.runFor(100 * MS);
      rack.hostWrite(0, 'stty -F /dev/ipoctal.0.0.3 raw\r');
      rack.hostWrite(5, 'abc');
      rack.inject(2, 'break');
      sched.runFor(100 * MS);
      // MR reads (named at the read), an MR pointer reset, the vector, both endiannesses.
      const p = rack.rig.platform;
      const io = rack.guest.tpci200.ipackDevices[0].io.base;
      p.mmioWrite(io + 0x25, 0x10, 1); // CR of channel 2: MR pointer → MR1
      p.mmioRead(io + 0x21, 1); // MR1C
      p.mmioRead(io + 0x21, 1); // MR2C
      p.mmioRead(io + 0x20, 2); // MR2C as a word
      p.mmioWrite(io + 0x25, 0x10, 1);
      p.mmioWrite(io + 0x21, 0x13, 1); // MR1C
      p.mmioRead(rack.guest.tpci200.ipackDevices[0].int.base, 2);
      p.mmioWrite(rack.guest.tpci200.ipackDevices[0].mem8.base + 1, 0x42, 1); // vector
      p.mmioRead(rack.guest.tpci200.ipackDevices[0].int.base + 2, 2);
      return trace
        .since(0)
        .map((r) => `${r.seq} ${r.kind} ${r.device} ${r.space} ${r.offset} ${r.value} ${r.text}`);
    };
    const eager = run(false);
    const lazy = run(true);
    expect(lazy.length).toBeGreaterThan(1000);
    expect(lazy.some((t) => / MR1C 0x13$/.test(t))).toBe(true);
    expect(lazy.some((t) => / MR2C 0x/.test(t))).toBe(true);
    expect(lazy.some((t) => t.endsWith('vector 0x1'))).toBe(true);
    expect(lazy.some((t) => t.endsWith('vector 0x42'))).toBe(true);
    expect(lazy).toEqual(eager);
  });
});

describe('serial rack: host output buffers', () => {
  it('hostOutput, the drain and snapshots agree with every byte echoed, read at any points', () => {
    const { sched, rack } = rig();
    rack.setUnpaced(3, true);
    let all = '';
    let drainedUpTo = 0;
    const drain = () => {
      const d = rack.drainHostOutput().find((x) => x.port === 3);
      // The bytes since the last drain, at most the newest HOST_OUTPUT_KEEP of them.
      expect(String.fromCharCode(...(d?.bytes ?? []))).toBe(
        all.slice(Math.max(drainedUpTo, all.length - HOST_OUTPUT_KEEP)),
      );
      drainedUpTo = all.length;
    };
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let step = 0; step < 60; step++) {
      const n = [1, 100, 3000, 9000, 40000][next(5)];
      const chunk = Array.from({ length: n }, (_, k) => 0x20 + ((step * 31 + k) % 95));
      rack.hostWrite(3, chunk);
      all += String.fromCharCode(...chunk);
      sched.runFor(MS);
      const action = next(4);
      if (action === 0) expect(rack.hostOutput(3)).toBe(all.slice(-HOST_OUTPUT_KEEP));
      if (action === 1) drain();
      if (action === 2) rack.restore(rack.snapshot());
    }
    expect(rack.counters()[3].hostReceived).toBe(all.length);
    expect(rack.hostOutput(3)).toBe(all.slice(-HOST_OUTPUT_KEEP));
    drain();
  });

  it('keeps the last HOST_OUTPUT_KEEP received bytes for hostOutput and the drain, however long nobody drains', () => {
    const { sched, rack } = rig();
    rack.setUnpaced(1, true);
    const total = 2 * HOST_OUTPUT_KEEP + 4000; // past the point where both buffers trim
    const byteAt = (i: number) => 0x20 + ((i * 7) % 95);
    let sent = 0;
    while (rack.counters()[1].hostReceived < total) {
      if (sent < total && sent - rack.counters()[1].hostReceived < 2000) {
        const n = Math.min(1000, total - sent);
        rack.hostWrite(
          1,
          Array.from({ length: n }, (_, k) => byteAt(sent + k)),
        );
        sent += n;
      }
      sched.runFor(200 * MS);
    }
    const expected = Array.from({ length: HOST_OUTPUT_KEEP }, (_, k) => byteAt(total - HOST_OUTPUT_KEEP + k));
    expect(rack.hostOutput(1)).toBe(String.fromCharCode(...expected));
    const drained = rack.drainHostOutput().find((d) => d.port === 1);
    expect(Array.from(drained?.bytes ?? [])).toEqual(expected);
    expect(rack.drainHostOutput()).toEqual([]);
  });
});
