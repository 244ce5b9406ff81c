// Browser journeys through the IndustryPack rack (built app, Chromium): the eight terminals, the
// shell and echo programs, error injection counted by the guest driver, and a null-modem cable.
//
// Naming scheme: terminal regions "port N terminal"; port cards are regions named by their
// device ("/dev/ipoctal.0.0.N"); controls "port N program", "port N connect",
// "port N inject framing|parity|break|overrun"; counters are <dd data-counter="framing"> etc.
import { expect, type Locator, type Page, test } from '@playwright/test';

const terminal = (page: Page, port: number) =>
  page.getByRole('region', { name: `port ${port} terminal`, exact: true });
const card = (page: Page, port: number) =>
  page.getByRole('region', { name: `/dev/ipoctal.0.0.${port}`, exact: true });
/** The terminal's visible text, from xterm's DOM rows. */
const screen = (page: Page, port: number): Locator => terminal(page, port).locator('.xterm-rows');

async function typeIn(page: Page, port: number, text: string) {
  await terminal(page, port).locator('.xterm').click();
  await page.keyboard.type(text);
}

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await expect(terminal(page, 7)).toBeAttached();
});

test('eight terminals render, each with its device name and the line settings the guest programmed', async ({
  page,
}) => {
  for (let port = 0; port < 8; port++) {
    await expect(terminal(page, port).locator('.xterm-rows')).toBeAttached();
    await expect(card(page, port).getByRole('heading', { name: `/dev/ipoctal.0.0.${port}` })).toBeVisible();
    await expect(card(page, port).locator('.serial-settings')).toHaveText(/^\d+ [5-8][NEO][12]$/);
  }
  await expect(page.getByRole('combobox', { name: 'port 0 program' })).toHaveValue('shell');
  await expect(page.getByRole('combobox', { name: 'port 5 program' })).toHaveValue('echo');
});

test('port 0 shows the shell prompt the guest printed at boot, before anyone types', async ({ page }) => {
  // xterm paints only while on screen: look at the terminal as a person would.
  await terminal(page, 0).scrollIntoViewIfNeeded();
  await expect(screen(page, 0)).toContainText('ipoctal0$');
});

test('typing help and Enter in port 0 shows the shell’s answer', async ({ page }) => {
  await typeIn(page, 0, 'help');
  await page.keyboard.press('Enter');
  await expect(screen(page, 0)).toContainText('commands:');
  await expect(screen(page, 0)).toContainText('lspci');
  await expect(screen(page, 0)).toContainText('ipoctal0$');
});

test('typing in port 5 echoes', async ({ page }) => {
  await typeIn(page, 5, 'echo five');
  await expect(screen(page, 5)).toContainText('echo five');
  await expect(card(page, 5).locator('dd[data-counter="rx"]')).toHaveText('9');
});

test('a framing error injected on port 2 is counted by the guest driver', async ({ page }) => {
  const framing = card(page, 2).locator('dd[data-counter="framing"]');
  await expect(framing).toHaveText('0');
  await page.getByRole('button', { name: 'port 2 inject framing', exact: true }).click();
  await typeIn(page, 2, 'x'); // the next received character carries the error
  await expect(framing).toHaveText('1');
  await expect(card(page, 2).locator('dd[data-counter="parity"]')).toHaveText('0');
});

test('connecting 6 and 7 with a null-modem cable carries text typed in 6 to 7', async ({ page }) => {
  // Echo on both ends of a cable ping-pongs forever (as real hardware would). Port 6's host end is
  // unpaced and the text arrives as one paste, so it is all inside port 6 before the first echo
  // comes back, and the ping-pong keeps it in order.
  await page.getByRole('checkbox', { name: 'port 6 unpaced', exact: true }).check();
  await page.getByRole('combobox', { name: 'port 6 connect', exact: true }).selectOption('7');
  await expect(page.getByRole('combobox', { name: 'port 7 connect', exact: true })).toHaveValue('6');
  await terminal(page, 6).locator('.xterm').click();
  await page.keyboard.insertText('over the cable');
  await expect(screen(page, 7)).toContainText('over the cable');
  await expect(card(page, 7).locator('.serial-cable')).toHaveText('↔ port 6');
});

test('maximize fills the window with one terminal and Escape restores it', async ({ page }) => {
  const max = page.getByRole('button', { name: 'port 1 maximize', exact: true });
  await max.click();
  await expect(max).toHaveAttribute('aria-pressed', 'true');
  const box = await terminal(page, 1).boundingBox();
  expect(box?.width ?? 0).toBeGreaterThan(((page.viewportSize()?.width ?? 0) * 3) / 4);
  await terminal(page, 1).locator('.xterm').click();
  await page.keyboard.press('Escape');
  await expect(max).toHaveAttribute('aria-pressed', 'false');
});

test('selecting a channel in the topology shows its live registers decoded', async ({ page }) => {
  await page.getByRole('treeitem', { name: 'channel D · port 3' }).click();
  const table = page.getByRole('table', { name: 'channel D · port 3 registers' });
  await expect(table).toContainText('MR1D');
  await expect(table.getByRole('row', { name: /^MR1D/ })).toContainText('BITS=3'); // 8 data bits
  await expect(table.getByRole('row', { name: /^CSRD/ })).toContainText('RX 9600 baud');
});

test('the bus trace captures decoded guest accesses and exports them as CSV', async ({ page }) => {
  await page.getByRole('button', { name: 'capture trace' }).click();
  await typeIn(page, 1, 'q');
  await page.getByRole('searchbox', { name: 'trace filter' }).fill('THR');
  const table = page.getByRole('table', { name: 'bus accesses, newest first' });
  await expect(table).toContainText('THRB DATA=113'); // 'q' written to channel B's THR
  await page.getByRole('button', { name: 'pause trace' }).click();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'export CSV' }).click();
  const file = await (await download).path();
  const { readFileSync } = await import('node:fs');
  const csv = readFileSync(file, 'utf8');
  expect(csv.split('\n')[0]).toBe('seq,time_ns,kind,device,space,offset,width,value,decoded');
  expect(csv).toMatch(/,ipoctal\.A THRB DATA=113\n/);
  expect(csv).not.toMatch(/ISR\[/); // the export follows the filter
});
