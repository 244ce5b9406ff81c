// Browser journeys through the TDC panel (built app, Chromium): a 1 kHz pulse train measured at
// 1000/s, a DMA error injected with one click (keyboard) that the driver counts and recovers from
// without duplicates, and glitches shorter than the minimum pulse width that make no timestamp.
//
// Naming scheme: per-channel controls "channel N enabled|termination|offset|pulse frequency|
// pulse period|pulse width|glitch rate|glitch width", buttons "start channel N pulses",
// "apply channel N noise", "inject DMA error"; counters are <td data-channel="N"
// data-counter="timestamps|rate|duplicates|dma-errors|dma-recoveries">.
import { expect, type Page, test } from '@playwright/test';

const counter = (page: Page, channel: number, name: string) =>
  page.locator(`.tdc-panel td[data-channel="${channel}"][data-counter="${name}"]`);

async function count(page: Page, channel: number, name: string): Promise<number> {
  return Number(((await counter(page, channel, name).textContent()) ?? '').replace(/,/g, ''));
}

async function total(page: Page, name: string): Promise<number> {
  let sum = 0;
  for (let ch = 1; ch <= 5; ch++) sum += await count(page, ch, name);
  return sum;
}

/** The header's virtual clock in seconds. */
async function clockS(page: Page): Promise<number> {
  return Number.parseFloat((await page.locator('.clock-value').textContent()) ?? '0');
}

async function startPulses(page: Page, channel: number, hz: number) {
  await page.getByLabel(`channel ${channel} pulse frequency`, { exact: true }).fill(String(hz));
  await page.getByRole('button', { name: `start channel ${channel} pulses`, exact: true }).click();
}

// The machine runs at ×1 in a shared browser: the journeys wait for virtual time to pass.
test.describe.configure({ timeout: 120_000 });

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  const panel = page.getByRole('region', { name: 'TDC', exact: true });
  // The panel streams only while on screen: scroll to it until the driver's counters arrive
  // (the lab view remounts once when the first lab loads).
  await expect(async () => {
    await panel.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await expect(counter(page, 1, 'timestamps')).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 30_000 });
});

test('a 1 kHz pulse train on channel 1 shows a rate of 1000/s', async ({ page }) => {
  await startPulses(page, 1, 1000);
  await expect(page.getByLabel('channel 1 pulse period', { exact: true })).toHaveValue('1000000');
  await expect
    .poll(async () => Number(((await counter(page, 1, 'rate').textContent()) ?? '').replace('/s', '')), {
      timeout: 30_000,
    })
    .toBeGreaterThanOrEqual(990);
  const rate = Number(((await counter(page, 1, 'rate').textContent()) ?? '').replace('/s', ''));
  expect(rate).toBeLessThanOrEqual(1010);
  await expect(
    page.getByRole('figure', { name: /^channel 1 intervals: \d+ in 524 µs – 1\.05 ms$/ }),
  ).toBeAttached();
});

test('inject DMA error: the driver counts it, recovers, and timestamps continue without duplicates', async ({
  page,
}) => {
  await startPulses(page, 1, 10_000);
  await expect.poll(() => count(page, 1, 'timestamps'), { timeout: 20_000 }).toBeGreaterThan(1000);
  const errors = await total(page, 'dma-errors');
  const recoveries = await total(page, 'dma-recoveries');

  const button = page.getByRole('button', { name: 'inject DMA error', exact: true });
  await button.focus();
  await page.keyboard.press('Enter');

  await expect.poll(() => total(page, 'dma-errors'), { timeout: 20_000 }).toBeGreaterThan(errors);
  await expect.poll(() => total(page, 'dma-recoveries'), { timeout: 20_000 }).toBeGreaterThan(recoveries);
  const after = await count(page, 1, 'timestamps');
  await expect.poll(() => count(page, 1, 'timestamps'), { timeout: 20_000 }).toBeGreaterThan(after + 5000);
  expect(await total(page, 'duplicates')).toBe(0);
  const log = page.getByRole('list', { name: 'Event log' });
  await expect(log.getByText(/^fired: /).first()).toBeVisible();
  await expect(log.getByText('fault dma-error')).toBeVisible();
});

test('glitches shorter than the minimum pulse width produce no timestamp', async ({ page }) => {
  const card = page.locator('.tdc-card').filter({ hasText: 'Channel 3' });
  await card.getByText('noise', { exact: true }).click();
  await page.getByLabel('channel 3 glitch rate', { exact: true }).fill('100000');
  await page.getByLabel('channel 3 glitch width', { exact: true }).fill('20');
  await page.getByRole('button', { name: 'apply channel 3 noise', exact: true }).click();
  await expect(card.getByText('noise on')).toBeVisible();

  const from = await clockS(page);
  await expect.poll(() => clockS(page), { timeout: 30_000 }).toBeGreaterThan(from + 2);
  expect(await count(page, 3, 'timestamps')).toBe(0);
  await expect(counter(page, 3, 'rate')).toHaveText('0/s');

  // The channel itself works: real pulses on it are timestamped.
  await startPulses(page, 3, 1000);
  await expect.poll(() => count(page, 3, 'timestamps'), { timeout: 20_000 }).toBeGreaterThan(0);
});

test('channel settings go through the driver and show what it reports', async ({ page }) => {
  const termination = page.getByRole('checkbox', { name: 'channel 2 termination', exact: true });
  await expect(termination).toBeChecked();
  await termination.uncheck();
  await page.waitForTimeout(500);
  await expect(termination).not.toBeChecked();
  const offset = page.getByLabel('channel 2 offset', { exact: true });
  await offset.fill('1500');
  await offset.press('Enter');
  await expect(offset).toHaveValue('1500');
  await expect(offset).not.toHaveAttribute('aria-invalid', 'true');
  await termination.check();
  await expect(page.getByRole('checkbox', { name: 'channel 2 enabled', exact: true })).toBeChecked();
});

test('a fault armed while nothing flows is flagged as not fired, and fires once pulses arrive', async ({
  page,
}) => {
  await page.getByRole('button', { name: 'inject DMA error', exact: true }).click();
  const log = page.getByRole('list', { name: 'Event log' });
  const unfired = log.locator('.tdc-unfired').filter({ hasText: 'fault dma-error' });
  await expect(unfired).toContainText('not fired');
  await startPulses(page, 4, 1000);
  await expect(unfired).toHaveCount(0, { timeout: 30_000 });
  await expect(log.locator('.tdc-fault').filter({ hasText: 'fault dma-error' }).first()).toContainText(
    'fired: ',
  );
});

test('timestamps export as CSV and the pulses as VCD', async ({ page }) => {
  await startPulses(page, 5, 1000);
  await expect.poll(() => count(page, 5, 'timestamps'), { timeout: 20_000 }).toBeGreaterThan(10);
  const [csv] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'export timestamps as CSV', exact: true }).click(),
  ]);
  const text = await (await csv.createReadStream()).toArray();
  const lines = Buffer.concat(text).toString('utf8').trim().split('\n');
  expect(lines[0]).toBe('channel,index,seconds,ps');
  expect(lines.filter((l) => l.startsWith('5,')).length).toBeGreaterThan(10);
  const [vcd] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'export pulses as VCD', exact: true }).click(),
  ]);
  const body = Buffer.concat(await (await vcd.createReadStream()).toArray()).toString('utf8');
  expect(body).toContain('$timescale 1 ps $end');
  expect(body).toContain('$var wire 1 % ch5 $end');
  expect(body).toMatch(/\n1%\n/);
});
