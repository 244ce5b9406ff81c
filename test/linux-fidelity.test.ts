// Fidelity of the TypeScript guest's drivers (issue 5): the register conversation of Linux 6.1's
// unmodified tpci200 + ipoctal drivers, recorded from the lab's bus trace while Linux runs in v86
// on the lab's TPCI200 / IP-Octal models, equals the TypeScript drivers' conversation for the
// same operations, except for the reviewed differences in test/fidelity/allow-list.ts.
//
// Operations (channel 2, /dev/ipoctal.0.0.2, which init holds open with a cat: the cat is killed
// first so the open below is a first open):
//   probe        cold boot, from reset to the end of the carrier probe (slot A with the ipoctal
//                probe, then the empty slots B-D); TS: a rack whose ports all run `closed`
//   open         `exec 3</dev/ipoctal.0.0.2`                 TS: ttys[2].open()
//   set_termios  `stty -F /dev/ipoctal.0.0.2 raw -echo 38400` TS: ttys[2].setTermios(raw, 38400)
//   close        `exec 3<&-` (the last close)                 TS: ttys[2].close()
//   receive      (port open again: `exec 3<>…`) the host end sends 'x'; nobody reads it, echo off
//                                                             TS: the same after ttys[2].open()
//   transmit     `printf y >&3`                               TS: ttys[2].write('y')
//   transmit_burst `printf ab >&3`                            TS: ttys[2].write('ab')
//   receive_framing_error  the host end sends 'z' with a framing error (rack.inject), both sides
//   receive_break          the host end sends a break (rack.inject 'break'), both sides
// Needs the image from `npm run guest:build` (fails and says so without it);
// DEVICE_LAB_SKIP_LINUX=1 skips the file. FIDELITY_DUMP=<file> writes both sides' conversations there.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/emu/core/rng';
import { Scheduler } from '../src/emu/core/scheduler';
import { type TraceRecord, TraceRing } from '../src/emu/core/trace';
import type { ProgramName } from '../src/emu/guest/programs/program';
import { rawTermios } from '../src/emu/guest/tty';
import { SerialRack } from '../src/emu/serial/serial-rack';
import { type LinuxLab, standaloneLab } from '../src/linux-guest/lab-host';
import { LinuxGuest } from '../src/linux-guest/linux-guest';
import { coldBootOptions, loadGuestImages } from '../src/linux-guest/node-images';
import { ALLOWED_DIFFERENCES, type Operation } from './fidelity/allow-list';
import { conversation, type Difference, diffConversations, probeEnd } from './fidelity/conversation';

const SKIP = process.env.DEVICE_LAB_SKIP_LINUX === '1';
/** A cold boot takes 10-35 s on a loaded 2-core machine; allow for a much slower CI runner. */
const BOOT_MS = 180_000;
const STEP_MS = 30_000;
/** Holds the whole boot's trace (about 1500 accesses to the prompt): the probe must not wrap out. */
const TRACE_ENTRIES = 1 << 16;
/** The bus counts as quiet once no access happened for this long (wall clock). */
const QUIET_MS = 750;
const PORT = 2;
const DEVICE = `/dev/ipoctal.0.0.${PORT}`;
const OPERATIONS: readonly Operation[] = [
  'probe',
  'open',
  'set_termios',
  'close',
  'receive',
  'transmit',
  'transmit_burst',
  'receive_framing_error',
  'receive_break',
];
/** Virtual time the TS guest runs after an operation (a character at 38400 baud is 260 µs). */
const SETTLE_NS = 5_000_000;

type Conversations = Record<Operation, string[]>;

/** The TypeScript guest doing the same operations on a rack of its own. */
function typescriptConversations(): Conversations {
  const sched = new Scheduler();
  const trace = new TraceRing(TRACE_ENTRIES, () => sched.nowNs);
  // Every port `closed`: booting the rack is the probe and nothing else (no program opens a port).
  const rack = new SerialRack(sched, new Rng(1), trace, new Array<ProgramName>(8).fill('closed'));
  const boot = trace.since(0);
  const end = probeEnd(boot);
  if (end < 0) throw new Error('TS guest: the probe never read slot D');
  if (conversation(boot.slice(end)).length > 0)
    throw new Error('TS guest: accesses after the probe although no program runs');
  // The device models as the Linux guest sets them (LinuxGuest.start, hostInput 'unpaced'): host
  // input enters the receivers as fast as the FIFO drains (a break then starts and ends before the
  // handler runs: one delta-break), the transmitters stay paced.
  for (const ch of rack.channels) ch.setUnpaced(true, false);
  const tty = rack.guest.ttys[PORT];
  const step = (op: () => void): string[] => {
    const from = trace.lastSeq;
    op();
    sched.runUntil(sched.nowNs + SETTLE_NS);
    return conversation(trace.since(from));
  };
  const open = step(() => tty.open());
  const setTermios = step(() => tty.setTermios({ ...rawTermios(tty.termios), baud: 38400 }));
  const close = step(() => tty.close());
  // Open again (raw, 38400 and no echo stay from set_termios, as Linux keeps the termios).
  tty.open();
  const receive = step(() => rack.hostWrite(PORT, 'x'));
  const transmit = step(() => tty.write('y'));
  const transmitBurst = step(() => tty.write('ab'));
  const receiveFramingError = step(() => {
    rack.inject(PORT, 'framing');
    rack.hostWrite(PORT, 'z');
  });
  const receiveBreak = step(() => rack.inject(PORT, 'break'));
  return {
    probe: conversation(boot.slice(0, end)),
    open,
    set_termios: setTermios,
    close,
    receive,
    transmit,
    transmit_burst: transmitBurst,
    receive_framing_error: receiveFramingError,
    receive_break: receiveBreak,
  };
}

/** Resolves once the lab's trace has not grown for QUIET_MS. */
async function quiet(guest: LinuxGuest, lab: LinuxLab, what: string): Promise<void> {
  let seq = lab.trace.lastSeq;
  let since = Date.now();
  await guest.waitUntil(
    () => {
      if (lab.trace.lastSeq !== seq) {
        seq = lab.trace.lastSeq;
        since = Date.now();
      }
      return Date.now() - since >= QUIET_MS;
    },
    STEP_MS,
    `a quiet bus (${what})`,
  );
}

function explain(op: Operation, diffs: readonly Difference[]): string {
  return diffs
    .map(
      (d) =>
        `  ${op}, after "${d.after}":\n    Linux only: ${JSON.stringify(d.linux)}\n    TS only:    ${JSON.stringify(d.ts)}`,
    )
    .join('\n');
}

describe.skipIf(SKIP)(
  'fidelity: Linux ipoctal/tpci200 register conversation = the TypeScript drivers',
  () => {
    let lab: ReturnType<typeof standaloneLab>;
    let guest: LinuxGuest;
    const linux = {} as Conversations;
    let ts: Conversations;
    let bootTrace: TraceRecord[] = [];

    beforeAll(
      async () => {
        ts = typescriptConversations();
        // Throws "… is missing; run npm run guest:build" without an image. Cold boot: the probe
        // happens during boot, so the snapshot cannot be used.
        const images = loadGuestImages(undefined, { snapshot: false });
        lab = standaloneLab({ traceEntries: TRACE_ENTRIES });
        guest = await LinuxGuest.start(coldBootOptions(images, lab));
        await guest.waitForPrompt(BOOT_MS);
        // Port 0's shell prints its greeting and prompt after init's banner: let it finish.
        await guest.waitForPort(0, guest.prompt, STEP_MS);
        await quiet(guest, lab, 'after boot');
        bootTrace = lab.trace.since(0);
        const end = probeEnd(bootTrace);
        if (end > 0) linux.probe = conversation(bootTrace.slice(0, end));

        // Init holds the port open (stty, then cat): kill that cat, so the next open is a first open.
        await guest.runCommand(
          `for d in /proc/[0-9]*; do [ "$(readlink $d/fd/0)" = ${DEVICE} ] && kill \${d#/proc/}; done`,
          STEP_MS,
        );
        await quiet(guest, lab, `${DEVICE} closed by its cat`);
        const step = async (command: string): Promise<string[]> => {
          const from = lab.trace.lastSeq;
          await guest.runCommand(command, STEP_MS);
          await quiet(guest, lab, command);
          return conversation(lab.trace.since(from));
        };
        linux.open = await step(`exec 3<${DEVICE}`);
        linux.set_termios = await step(`stty -F ${DEVICE} raw -echo 38400`);
        linux.close = await step('exec 3<&-');
        await step(`exec 3<>${DEVICE}`);
        const hostStep = async (act: () => void): Promise<string[]> => {
          const from = lab.trace.lastSeq;
          act();
          await quiet(guest, lab, 'host input');
          return conversation(lab.trace.since(from));
        };
        linux.receive = await hostStep(() => lab.rack.hostWrite(PORT, 'x'));
        linux.transmit = await step('printf y >&3');
        linux.transmit_burst = await step('printf ab >&3');
        linux.receive_framing_error = await hostStep(() => {
          lab.rack.inject(PORT, 'framing');
          lab.rack.hostWrite(PORT, 'z');
        });
        linux.receive_break = await hostStep(() => lab.rack.inject(PORT, 'break'));
        await guest.runCommand('exec 3<&-', STEP_MS);
      },
      BOOT_MS + 10 * STEP_MS,
    );

    afterAll(async () => {
      await guest?.destroy();
    });

    it('records Linux probe from reset (the trace ring did not wrap during boot)', () => {
      expect(bootTrace.length).toBeGreaterThan(0);
      expect(bootTrace[0].seq).toBe(1);
      expect(
        probeEnd(bootTrace),
        'Linux never read slot D: the tpci200 probe did not finish',
      ).toBeGreaterThan(0);
      // The probe reached the IP-Octal: ID PROM read, channels reset, interrupts enabled last.
      expect(linux.probe).toContain('ID PROM[5] R1 0x22');
      expect(linux.probe).toContain('IO CRH W1 0x10');
      expect(linux.probe).toContain('CARRIER IP_A_CONTROL W2 0x00c0');
    });

    it('each operation did something on both sides', () => {
      for (const op of OPERATIONS) {
        expect(linux[op]?.length, `Linux ${op}`).toBeGreaterThan(0);
        expect(ts[op].length, `TS ${op}`).toBeGreaterThan(0);
      }
    });

    it('differences are exactly the reviewed allow-list (test/fidelity/allow-list.ts)', () => {
      const unexpected: string[] = [];
      const missing: string[] = [];
      // FIDELITY_DUMP=<file> writes both conversations, for reviewing a new difference.
      const dump = process.env.FIDELITY_DUMP;
      if (dump) writeFileSync(dump, `${JSON.stringify({ linux, ts }, null, 1)}\n`);
      for (const op of OPERATIONS) {
        const found = diffConversations(linux[op] ?? [], ts[op]);
        const allowed = ALLOWED_DIFFERENCES.filter((a) => a.operations.includes(op));
        const same = (d: Difference, a: (typeof allowed)[number]) =>
          JSON.stringify(d.linux) === JSON.stringify(a.linux) &&
          JSON.stringify(d.ts) === JSON.stringify(a.ts);
        const extra = found.filter((d) => !allowed.some((a) => same(d, a)));
        if (extra.length) unexpected.push(explain(op, extra));
        for (const a of allowed)
          if (!found.some((d) => same(d, a)))
            missing.push(`  ${op}: Linux only ${JSON.stringify(a.linux)}, TS only ${JSON.stringify(a.ts)}`);
      }
      const report = [
        unexpected.length ? `differences not in the allow-list:\n${unexpected.join('\n')}` : '',
        missing.length
          ? `allowed differences that no longer occur (remove them):\n${missing.join('\n')}`
          : '',
      ]
        .filter(Boolean)
        .join('\n');
      expect(report, report).toBe('');
    });
  },
);
