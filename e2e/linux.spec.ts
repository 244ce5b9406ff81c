// The Linux guest in the browser (issue 5): a real Linux 6.1 in v86, in the lab's worker, whose
// unmodified tpci200/ipoctal drivers drive the lab's device models. Needs the image built by
// `npm run guest:build` (public/guest/, copied into dist by `vite build`): without it these tests
// FAIL naming the command, they never skip (CI builds the image first).
//
// Naming scheme: the selector's radios are "TypeScript guest (deterministic)" and "Linux 6.1 in
// v86 (real drivers, real-time)"; the start-up progress is the progressbar "Linux guest start";
// the ttyS0 console is the region "console terminal"; ports as in serial.spec.ts.
import { expect, type Locator, type Page, test } from '@playwright/test';

const LINUX = 'Linux 6.1 in v86 (real drivers, real-time)';
const TS = 'TypeScript guest (deterministic)';
const PROMPT = '/ # ';

const terminal = (page: Page, port: number) =>
  page.getByRole('region', { name: `port ${port} terminal`, exact: true });
const screen = (page: Page, port: number): Locator => terminal(page, port).locator('.xterm-rows');
const consoleScreen = (page: Page): Locator =>
  page.getByRole('region', { name: 'console terminal', exact: true }).locator('.xterm-rows');

async function typeIn(page: Page, port: number, text: string) {
  await terminal(page, port).locator('.xterm').click();
  await page.keyboard.type(text);
}

/** Fails (never skips) when the image is not built, with the command that builds it. */
async function requireImage(page: Page): Promise<void> {
  const r = await page.request.get('/guest/manifest.json');
  let ok = r.ok();
  if (ok) {
    try {
      JSON.parse(await r.text());
    } catch {
      ok = false;
    }
  }
  expect(
    ok,
    'The Linux guest image is not built: /guest/manifest.json is missing. Run `npm run guest:build` (it writes public/guest/), then `npm run build`.',
  ).toBe(true);
}

/** The header's virtual clock in seconds. */
async function virtualS(page: Page): Promise<number> {
  const text = await page.getByRole('timer').textContent();
  return Number.parseFloat(text ?? 'NaN');
}

/** Chooses Linux from the snapshot and waits for the ready message (at most 10 s after the click). */
async function startLinux(page: Page): Promise<number> {
  const radio = page.getByRole('radio', { name: LINUX, exact: true });
  await expect(radio).toBeEnabled();
  const t0 = Date.now();
  await radio.check();
  await expect(page.getByRole('status').filter({ hasText: 'Linux is up' })).toBeVisible({ timeout: 10_000 });
  // Port 0's shell (on /dev/ipoctal.0.0.0, through the real driver) shows its prompt.
  await expect(() => terminal(page, 0).scrollIntoViewIfNeeded({ timeout: 1000 })).toPass();
  await expect(screen(page, 0)).toContainText(PROMPT.trim(), {
    timeout: Math.max(1, 10_000 - (Date.now() - t0)),
  });
  return Date.now() - t0;
}

test.beforeEach(async ({ page }) => {
  await requireImage(page);
  await page.goto('/');
  await expect(terminal(page, 7)).toBeAttached();
});

test('choosing the Linux guest gives a shell prompt on port 0 within 10 s, and ls lists the eight ipoctal devices', async ({
  page,
}) => {
  await expect(page.getByRole('radio', { name: TS, exact: true })).toBeChecked();
  // Let the lab run a while first: the switch keeps its disks and clock going from there.
  await expect.poll(() => virtualS(page)).toBeGreaterThan(2);
  const before = await virtualS(page);
  const ms = await startLinux(page);
  expect(ms).toBeLessThan(10_000);
  expect(await virtualS(page)).toBeGreaterThanOrEqual(before);
  await expect(page.getByRole('radio', { name: LINUX, exact: true })).toBeChecked();
  // The console (ttyS0) is the ninth terminal.
  await expect(page.getByRole('region', { name: 'console terminal', exact: true })).toBeVisible();
  // Real time: the speed controls say so and are off.
  await expect(page.getByRole('button', { name: 'speed ×10', exact: true })).toBeDisabled();
  await typeIn(page, 0, 'ls /dev/ipoctal*');
  await page.keyboard.press('Enter');
  for (let n = 0; n < 8; n++) await expect(screen(page, 0)).toContainText(`/dev/ipoctal.0.0.${n}`);
});

test('a framing error injected on port 2 reaches the Linux driver, which flags the byte (PARMRK shows it)', async ({
  page,
}) => {
  await startLinux(page);
  // The driver hands a character received with SR framing error to the tty layer flagged
  // TTY_FRAME (and counts it in its icount); with INPCK and PARMRK the line discipline gives the
  // reader \377 \0 <char>. At the console: stop port 2's echo loop, set its termios while it is
  // closed (stty on an open ipoctal port leaves its receiver off: the upstream driver's
  // set_termios clears rx_enable, then tests it), and read three bytes with dd.
  const P = '/dev/ipoctal.0.0.2';
  await page.getByRole('region', { name: 'console terminal', exact: true }).locator('.xterm').click();
  await page.keyboard.type(
    `for p in /proc/[0-9]*; do [ "$(readlink $p/fd/0)" = ${P} ] && kill \${p#/proc/}; done; sleep 1; ` +
      `stty -F ${P} raw -echo inpck parmrk; (dd bs=1 count=3 <${P} 2>/dev/null | od -An -tx1) & sleep 1; echo ar''med`,
  );
  await page.keyboard.press('Enter');
  await expect(consoleScreen(page)).toContainText('armed'); // the typed line says ar''med
  await page.getByRole('button', { name: 'port 2 inject framing', exact: true }).click();
  await typeIn(page, 2, 'x'); // the next received character carries the error
  await expect(consoleScreen(page)).toContainText('ff 00 78');
});

test('typing in port 3 comes back through the Linux echo loop, and switching back restores the TypeScript guest', async ({
  page,
}) => {
  await startLinux(page);
  await typeIn(page, 3, 'via linux');
  await expect(screen(page, 3)).toContainText('via linux');
  await page.getByRole('radio', { name: TS, exact: true }).check();
  await expect(page.getByRole('button', { name: 'speed ×10', exact: true })).toBeEnabled();
  await expect(() => terminal(page, 0).scrollIntoViewIfNeeded({ timeout: 1000 })).toPass();
  await expect(screen(page, 0)).toContainText('ipoctal0$');
  await expect(page.getByRole('region', { name: 'console terminal', exact: true })).toHaveCount(0);
});

test('the bus trace shows the Linux driver writing the echoed character to the THR, decoded', async ({
  page,
}) => {
  await startLinux(page);
  await page.getByRole('button', { name: 'capture trace' }).click();
  await typeIn(page, 1, 'q'); // port 1's cat echoes it: Linux's ipoctal driver writes it to THRB
  await page.getByRole('searchbox', { name: 'trace filter' }).fill('THRB');
  await expect(page.getByRole('table', { name: 'bus accesses, newest first' })).toContainText(
    'THRB DATA=113',
  );
});

test('the console terminal answers a command typed at the ttyS0 shell', async ({ page }) => {
  await startLinux(page);
  await page.getByRole('region', { name: 'console terminal', exact: true }).locator('.xterm').click();
  await page.keyboard.type('uname -r');
  await page.keyboard.press('Enter');
  await expect(consoleScreen(page)).toContainText('6.1.');
});

test('a cold boot streams the kernel log to the console, and the TypeScript guest can be chosen again', async ({
  page,
}) => {
  await page.getByRole('radio', { name: 'cold boot (shows the kernel log)', exact: true }).check();
  await page.getByRole('radio', { name: LINUX, exact: true }).check();
  await expect(page.getByRole('progressbar', { name: 'Linux guest start', exact: true })).toBeVisible();
  // Kernel messages (printk time stamps) while the start is still under way: the log is live.
  await expect(consoleScreen(page)).toContainText(/\[\s*\d+\.\d{6}\] /);
  await expect(page.getByRole('progressbar', { name: 'Linux guest start', exact: true })).toBeVisible();
  await page.getByRole('radio', { name: TS, exact: true }).check();
  await expect(page.getByRole('button', { name: 'speed ×10', exact: true })).toBeEnabled();
  // The panels re-render for the reloaded lab: scroll again if the terminal was swapped under us.
  await expect(() => terminal(page, 0).scrollIntoViewIfNeeded({ timeout: 1000 })).toPass();
  await expect(screen(page, 0)).toContainText('ipoctal0$');
});

test('without the image the selector says how to build it, and the TypeScript guest keeps working', async ({
  page,
}) => {
  // As if public/guest were not built: the worker's fetch of the manifest fails.
  await page
    .context()
    .route('**/guest/manifest.json', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.reload();
  await expect(page.getByRole('note').filter({ hasText: 'npm run guest:build' })).toBeVisible();
  await expect(page.getByRole('radio', { name: LINUX, exact: true })).toBeDisabled();
  await expect(page.getByRole('radio', { name: TS, exact: true })).toBeChecked();
  await typeIn(page, 5, 'still here');
  await expect(screen(page, 5)).toContainText('still here');
});
