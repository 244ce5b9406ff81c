// Browser journeys through the built app (Chromium, `vite preview`).
//
// Naming scheme of the limit controls (one per group and QMP parameter):
//   slider        accessible name "<group> <param>"        e.g. "foo iops", "foo bps_rd_max"
//   number input  accessible name "<group> <param> value"  e.g. "foo iops value"
// A number input applies on Enter. Each chart is a figure (role img) whose accessible name is its
// text alternative: "foo IOPS: 6003 measured (read 3001, write 3002); limit 6000".
import { expect, type Page, test } from '@playwright/test';

/** Virtual time in seconds, from the header clock ("12.345 s"). */
async function virtualS(page: Page): Promise<number> {
  const text = await page.getByRole('timer').textContent();
  return Number.parseFloat(text ?? 'NaN');
}

/** The chart's text alternative, parsed. */
async function chartValues(page: Page, group: string, unit: 'IOPS' | 'bps') {
  const label = (await page.getByRole('img', { name: `${group} ${unit}:` }).getAttribute('aria-label')) ?? '';
  const m = /: (\d+)(?: B\/s)? measured .*; (.*)$/.exec(label);
  return { label, measured: m ? Number(m[1]) : Number.NaN, limit: m ? m[2] : '' };
}

async function setLimit(page: Page, group: string, param: string, value: number) {
  const input = page.getByRole('textbox', { name: `${group} ${param} value`, exact: true });
  await input.fill(String(value));
  await input.press('Enter');
}

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('img', { name: /^foo IOPS:/ })).toBeVisible();
});

test('the default lab shows the three group charts moving within 2 s', async ({ page }) => {
  const start = await virtualS(page);
  const plots = ['foo', 'bar', 'hd6'].map((g) =>
    page
      .getByRole('region', { name: `group ${g}` })
      .locator('.chart-box path.recharts-line-curve')
      .first(),
  );
  const before = await Promise.all(plots.map((p) => p.getAttribute('d')));
  await page.waitForTimeout(2000);
  for (const g of ['foo', 'bar', 'hd6']) {
    expect((await chartValues(page, g, 'IOPS')).measured).toBeGreaterThan(0);
    expect((await chartValues(page, g, 'bps')).measured).toBeGreaterThan(0);
  }
  const after = await Promise.all(plots.map((p) => p.getAttribute('d')));
  for (let i = 0; i < plots.length; i++) expect(after[i]).not.toEqual(before[i]);
  expect(await virtualS(page)).toBeGreaterThan(start + 1);
  expect((await chartValues(page, 'foo', 'IOPS')).limit).toBe('limit 6000');
});

test('setting foo iops to 3000 brings foo to 3000 IOPS within 3 s of virtual time at ×1', async ({
  page,
}) => {
  await expect(page.getByRole('button', { name: 'speed ×1', exact: true })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await expect.poll(async () => (await chartValues(page, 'foo', 'IOPS')).measured).toBeGreaterThan(5000);
  await setLimit(page, 'foo', 'iops', 3000);
  const appliedAtS = await virtualS(page);
  await expect.poll(async () => (await chartValues(page, 'foo', 'IOPS')).limit).toBe('limit 3000');
  await expect
    .poll(async () => Math.abs((await chartValues(page, 'foo', 'IOPS')).measured - 3000) / 3000, {
      timeout: 10_000,
      intervals: [50],
    })
    .toBeLessThanOrEqual(0.02);
  const reachedAtS = await virtualS(page);
  expect(reachedAtS - appliedAtS).toBeLessThanOrEqual(3);
  // and it stays there
  await page.waitForTimeout(1000);
  const later = await chartValues(page, 'foo', 'IOPS');
  expect(Math.abs(later.measured - 3000) / 3000).toBeLessThanOrEqual(0.02);
  await expect(page.getByRole('slider', { name: 'foo iops', exact: true })).toHaveValue('3000');
});

test('an invalid combination shows QEMU’s message and leaves the limit unchanged', async ({ page }) => {
  await setLimit(page, 'foo', 'bps', 50_000_000);
  await expect.poll(async () => (await chartValues(page, 'foo', 'bps')).limit).toBe('limit 50000000 B/s');
  const card = page.getByRole('region', { name: 'group foo' });
  await expect(card.locator('.chart-box text', { hasText: 'limit 50 MB/s' })).toBeVisible();

  await setLimit(page, 'foo', 'bps_rd', 1_000_000);
  await expect(card.getByRole('alert')).toHaveText(
    'bps/iops/max total values and read/write values cannot be used at the same time',
  );
  await expect(page.getByRole('textbox', { name: 'foo bps_rd value', exact: true })).toHaveAttribute(
    'aria-invalid',
    'true',
  );
  await page.waitForTimeout(500);
  expect((await chartValues(page, 'foo', 'bps')).limit).toBe('limit 50000000 B/s');
  expect((await chartValues(page, 'foo', 'IOPS')).limit).toBe('limit 6000');
  await expect(card.locator('.chart-box text', { hasText: 'limit 50 MB/s' })).toBeVisible();
  await expect(card.locator('.chart-box text', { hasText: 'read limit' })).toHaveCount(0);
});

test('a pasted QEMU command line builds its disks, and a bad one keeps the old lab', async ({ page }) => {
  const importer = page.getByRole('textbox', { name: 'QEMU command line' });
  await importer.fill('-drive if=virtio,file=disk1.qcow2,throttling.bogus=1');
  await page.getByRole('button', { name: 'Load command line' }).click();
  await expect(page.getByRole('region', { name: /Import/ }).getByRole('alert')).toContainText('bogus');
  await expect(page.getByRole('region', { name: 'group foo' })).toBeVisible();

  await importer.fill(
    '-drive if=virtio,file=disk1.qcow2,throttling.iops-total=500,throttling.group=g1 ' +
      '-drive if=virtio,file=disk2.qcow2,throttling.iops-total=500,throttling.group=g1',
  );
  await page.getByRole('button', { name: 'Load command line' }).click();
  const g1 = page.getByRole('region', { name: 'group g1' });
  await expect(g1).toBeVisible();
  await expect(g1.locator('.members')).toHaveText('members: disk1disk2');
  await expect(page.getByRole('region', { name: 'group foo' })).toHaveCount(0);
  await expect.poll(async () => (await chartValues(page, 'g1', 'IOPS')).measured).toBeGreaterThan(400);
  expect((await chartValues(page, 'g1', 'IOPS')).limit).toBe('limit 500');
});

test('pause stops the clock and step advances it by exactly the chosen step', async ({ page }) => {
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Resume' })).toHaveAttribute('aria-pressed', 'true');
  const paused = await virtualS(page);
  await page.waitForTimeout(500);
  expect(await virtualS(page)).toBe(paused);
  await page.getByRole('button', { name: 'step 10 ms' }).click();
  await expect.poll(() => virtualS(page)).toBeCloseTo(paused + 0.01, 6);
  await page.getByRole('combobox', { name: 'step size' }).selectOption({ label: '1 s' });
  await page.getByRole('button', { name: 'step 1 s' }).click();
  await expect.poll(() => virtualS(page)).toBeCloseTo(paused + 1.01, 6);
  await page.getByRole('button', { name: 'speed ×10', exact: true }).click();
  await expect(page.getByRole('button', { name: 'speed ×10', exact: true })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  // ×10 asks for ten virtual seconds a wall second; how many a loaded machine reaches varies
  // (the header shows it), so only check that the clock runs again.
  await page.waitForTimeout(1000);
  expect(await virtualS(page)).toBeGreaterThan(paused + 1.01);
  await expect(page.getByText(/^×[\d.]+ achieved$/)).toBeVisible();
});

test('a typed-in speed paces the clock, and one out of range is refused with the pacing kept', async ({
  page,
}) => {
  const custom = page.getByRole('spinbutton', { name: 'custom speed' });
  await custom.fill('0');
  await custom.press('Enter');
  await expect(page.getByRole('alert').filter({ hasText: 'speed must be a number from' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'speed ×1', exact: true })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await custom.fill('0.05');
  await custom.press('Enter');
  await expect(page.getByRole('alert').filter({ hasText: 'speed must be' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'speed ×1', exact: true })).toHaveAttribute(
    'aria-pressed',
    'false',
  );
  // ×0.05: two wall seconds move the clock by 0.1 virtual s (at ×1 it would be 2 s).
  const t0 = await virtualS(page);
  await page.waitForTimeout(2000);
  const dt = (await virtualS(page)) - t0;
  expect(dt).toBeGreaterThan(0.02);
  expect(dt).toBeLessThan(0.5);
});

test('a disk moves between groups, into a new group, and its workload can be stopped', async ({ page }) => {
  await page.getByRole('combobox', { name: 'hd6 group' }).selectOption('bar');
  const bar = page.getByRole('region', { name: 'group bar' });
  await expect(bar.locator('.members')).toHaveText('members: hd3hd5hd6');
  await expect(page.getByRole('region', { name: 'group hd6' })).toHaveCount(0);

  await page.getByRole('combobox', { name: 'hd1 group' }).selectOption({ label: 'new group…' });
  await page.getByRole('textbox', { name: 'hd1 new group name' }).fill('solo');
  await page.getByRole('button', { name: 'Create' }).click();
  const solo = page.getByRole('region', { name: 'group solo' });
  await expect(solo.locator('.members')).toHaveText('members: hd1');
  await expect.poll(async () => (await chartValues(page, 'solo', 'IOPS')).limit).toBe('limit 6000');

  await page.getByRole('combobox', { name: 'hd1 rw' }).selectOption('none');
  await page.getByRole('button', { name: 'apply hd1 workload' }).click();
  await expect
    .poll(async () => (await chartValues(page, 'solo', 'IOPS')).measured, { timeout: 10_000 })
    .toBe(0);
});

test('the QMP console runs commands with history, and the lab exports as QEMU arguments', async ({
  page,
}) => {
  const input = page.getByRole('textbox', { name: 'QMP command' });
  await input.fill('query-block');
  await input.press('Enter');
  const out = page.getByRole('figure', { name: 'QMP response' });
  await expect(out).toContainText('"device": "hd1"');
  await input.fill('{"execute": "block_set_io_throttle", "arguments": {"device": "nope"}}');
  await input.press('Enter');
  await expect(out).toContainText('"class": "GenericError"');
  await input.fill('');
  await input.press('ArrowUp');
  await expect(input).toHaveValue('{"execute": "block_set_io_throttle", "arguments": {"device": "nope"}}');
  await input.press('ArrowUp');
  await expect(input).toHaveValue('query-block');

  await page.getByRole('button', { name: 'QEMU command line' }).click();
  await expect(page.getByRole('textbox', { name: 'Exported configuration' })).toHaveValue(
    /throttling\.iops-total=6000.*throttling\.group=foo/,
  );
  await page.getByRole('button', { name: 'libvirt <iotune> XML' }).click();
  await expect(page.getByRole('textbox', { name: 'Exported configuration' })).toHaveValue(
    /<total_iops_sec>6000/,
  );
});

test('a saved state can be restored: the clock goes back to it', async ({ page }) => {
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Resume' })).toHaveAttribute('aria-pressed', 'true');
  const savedAt = await virtualS(page);
  await page.getByRole('button', { name: 'Save state' }).click();
  await expect(page.getByRole('button', { name: 'Restore state' })).toBeEnabled();
  await page.getByRole('button', { name: 'step 10 ms' }).click();
  await page.getByRole('combobox', { name: 'step size' }).selectOption({ label: '1 s' });
  await page.getByRole('button', { name: 'step 1 s' }).click();
  await expect.poll(() => virtualS(page)).toBeCloseTo(savedAt + 1.01, 6);
  await page.getByRole('button', { name: 'Restore state' }).click();
  await expect.poll(() => virtualS(page)).toBeCloseTo(savedAt, 6);
  expect((await chartValues(page, 'foo', 'IOPS')).limit).toBe('limit 6000');
});

test('a limit slider works from the keyboard and applies one command per key press', async ({ page }) => {
  const slider = page.getByRole('slider', { name: 'bar iops', exact: true });
  await expect(slider).toHaveValue('3000');
  await slider.focus();
  await slider.press('ArrowRight');
  await expect.poll(async () => (await chartValues(page, 'bar', 'IOPS')).limit).toBe('limit 3100');
  await expect(page.getByRole('textbox', { name: 'bar iops value', exact: true })).toHaveValue('3100');
  // a burst below the rate is refused with QEMU's message, next to the control
  await setLimit(page, 'bar', 'iops_max', 1000);
  await expect(page.getByRole('region', { name: 'group bar' }).getByRole('alert')).toHaveText(
    'bps_max/iops_max cannot be lower than bps/iops',
  );
  await setLimit(page, 'bar', 'iops_max', 9000);
  await expect(page.getByRole('region', { name: 'group bar' }).getByRole('alert')).toHaveCount(0);
  await expect(page.getByRole('slider', { name: 'bar iops_max', exact: true })).toHaveValue('9000');
});

test('the latency view follows the chosen stats interval', async ({ page }) => {
  await page.getByRole('combobox', { name: 'stats interval' }).selectOption({ label: '5 s' });
  const hd1 = page.getByRole('table', { name: 'latency per disk' }).getByRole('row', { name: /^hd1 / });
  await expect(hd1.getByRole('cell').first()).toHaveText(/^\d+\.\d\d \(\d+\.\d\d–\d+\.\d\d\)$/);
  await expect(hd1.getByRole('cell').nth(2)).toHaveText(/^\d+\.\d \/ \d+\.\d$/);
  // the interval went to the machine: the console shows it in query-blockstats
  const input = page.getByRole('textbox', { name: 'QMP command' });
  await input.fill('query-blockstats');
  await input.press('Enter');
  await expect(page.getByRole('figure', { name: 'QMP response' })).toContainText('"interval_length": 5');
});

test('each section link brings its heading into view just below the sticky header', async ({ page }) => {
  const nav = page.getByRole('navigation', { name: 'Sections' });
  const header = page.getByRole('banner');
  const viewport = page.viewportSize();
  // From the top of the page every time: the longest jumps cross the most unrendered panels.
  for (const label of ['TDC', 'Bus trace', 'Latency', 'Serial', 'Disks', 'Export']) {
    await page.evaluate('window.scrollTo(0, 0)');
    await nav.getByRole('link', { name: label, exact: true }).click();
    const id = ((await nav.getByRole('link', { name: label, exact: true }).getAttribute('href')) ?? '').slice(
      1,
    );
    const heading = page.locator(`[id="${id}"]`);
    await expect
      .poll(
        async () => {
          const h = await heading.boundingBox();
          const bar = await header.boundingBox();
          return (
            h !== null &&
            bar !== null &&
            h.y >= bar.y + bar.height &&
            h.y + h.height <= (viewport?.height ?? 0)
          );
        },
        { message: `${label} heading below the header and on screen` },
      )
      .toBe(true);
  }
});
