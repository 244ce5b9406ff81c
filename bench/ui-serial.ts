// Browser figure `ui.fps_8_terminals` (automation.md §1): Chromium's frame rate while all eight
// serial terminals stream.
//
// How: build the app, serve it with `vite preview` on a free port, open it in Chromium (Debian's
// /usr/bin/chromium when present), and set the rack up the way a user would, through the QMP
// console: the shell on port 0 sets every port to 38400 baud (`stty -F`), port 0 then runs echo
// too, and each port's host end is sent a long text that its echo program sends back at the line
// rate, with the disks' workloads stopped. The IP-Octal's baud table stops at 38400 (ipack.md:
// everything else becomes 38400), so the load of a 115200 baud line (11 520 characters a second
// per terminal) is reached by running the lab at ×3, typed into the header's custom speed: 38400
// baud at ×3 is 11 520 characters per wall second. Frames are counted with requestAnimationFrame for
// MEASURE_MS; the characters each terminal received per wall second (its tx counter: what the
// guest sent) are reported on stderr beside the figure, so a run that fell short says so.
import { expect, type Page } from '@playwright/test';
import type { Bench } from './bench-types';
import { countFrames, withBuiltApp } from './ui-browser';

const WARMUP_MS = 2000;
const MEASURE_MS = 5000;
const BAUD = 38400;
/** The line rate whose load the terminals carry. */
const LINE_RATE_BAUD = 115200;
/** Characters queued per port: more than the run consumes (7 s of streaming at 11 520/s). */
const CHARS_PER_PORT = 120_000;
const PORTS = 8;
const DEFAULT_LAB_DRIVES = ['hd1', 'hd2', 'hd3', 'hd4', 'hd5', 'hd6'];

let commandId = 0;
/** Sends one QMP command through the app's QMP console and waits for its answer (matched by id). */
async function consoleQmp(page: Page, cmd: Record<string, unknown>, optional = false): Promise<void> {
  const id = `bench-${++commandId}`;
  const box = page.getByRole('textbox', { name: 'QMP command', exact: true });
  await box.fill(JSON.stringify({ ...cmd, id }));
  await box.press('Enter');
  await expect(page.locator('.qmp-output')).toContainText(`"id": "${id}"`, { timeout: 60_000 });
  // The console shows the last response only.
  const text = (await page.locator('.qmp-output').textContent()) ?? '';
  if (!optional && text.includes('"error"'))
    throw new Error(`bench set-up: ${JSON.stringify(cmd).slice(0, 80)} → ${text}`);
}

/** The text each port streams: numbered lines, so the terminals scroll as a busy log would. */
function streamText(port: number): string {
  const lines: string[] = [];
  let n = 0;
  let length = 0;
  while (length < CHARS_PER_PORT) {
    const line = `port ${port} line ${String(n++).padStart(6, '0')} the quick brown fox jumps over the lazy dog\r\n`;
    lines.push(line);
    length += line.length;
  }
  return lines.join('');
}

async function txCounts(page: Page): Promise<number[]> {
  const texts = await page.locator('.serial-card dd[data-counter="tx"]').allTextContents();
  return texts.map((t) => Number(t.replace(/,/g, '')));
}

/** Frames per second while all eight terminals stream. */
export function measureTerminalFps(): Promise<number> {
  return withBuiltApp(async (page) => {
    await page.getByRole('region', { name: 'port 7 terminal', exact: true }).waitFor();
    await page.locator('.serial-card dd[data-counter="tx"]').first().waitFor();

    // Line settings through the guest's own shell, then echo on port 0 as well.
    for (let p = 1; p < PORTS; p++)
      await consoleQmp(page, {
        execute: 'x-serial-write',
        arguments: { port: 0, data: `stty -F /dev/ipoctal.0.0.${p} ${BAUD}\r` },
      });
    await consoleQmp(page, { execute: 'x-serial-write', arguments: { port: 0, data: `stty ${BAUD}\r` } });
    await expect(page.locator('.serial-settings').filter({ hasText: `${BAUD} ` })).toHaveCount(PORTS, {
      timeout: 30_000,
    });
    await consoleQmp(page, { execute: 'x-serial-program', arguments: { port: 0, program: 'echo' } });

    // The stream is queued while the lab is paused, so it all runs in the measured window; the
    // disks' workloads and the TDC's pulse sources stop, so the machine's time and the page's
    // frames go to the serial ports.
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    for (const drive of DEFAULT_LAB_DRIVES)
      await consoleQmp(page, { execute: 'x-workload-set', arguments: { device: drive, rw: 'none' } });
    for (let channel = 1; channel <= 5; channel++)
      await consoleQmp(page, { execute: 'x-tdc-stop', arguments: { channel } }, true); // labs without a TDC
    for (let p = 0; p < PORTS; p++)
      await consoleQmp(page, { execute: 'x-serial-write', arguments: { port: p, data: streamText(p) } });
    // Leave no 250 kB command in the console's text box: its layout would be part of every frame.
    await consoleQmp(page, { execute: 'query-version' });
    await page.locator('.serial-panel').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    const speed = page.getByRole('spinbutton', { name: 'custom speed' });
    await speed.fill(String(LINE_RATE_BAUD / BAUD));
    await speed.press('Enter'); // and resumes
    await page.waitForTimeout(WARMUP_MS);

    const txBefore = await txCounts(page);
    const fps = await countFrames(page, MEASURE_MS);
    const txAfter = await txCounts(page);
    const perPort = txAfter.map((n, i) => Math.round((n - txBefore[i]) / (MEASURE_MS / 1000)));
    process.stderr.write(
      `ui.fps_8_terminals: characters per wall second per terminal ${perPort.join(' ')} (115200 baud carries 11520)\n`,
    );
    return Number(fps.toFixed(1));
  });
}

export const benches: Bench[] = [{ name: 'ui.fps_8_terminals', unit: 'fps', run: measureTerminalFps }];
