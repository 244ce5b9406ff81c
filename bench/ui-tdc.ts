// Browser figure `ui.fps_tdc_100khz` (automation.md §1): Chromium's frame rate while the TDC panel
// shows 100 kHz pulse trains on all five channels (500 000 timestamps a second of virtual time).
//
// How (ui-browser.ts): the built app in Chromium; scroll to the TDC panel (it streams only while
// visible) and start the five trains through the panel's own controls, as a user would. Frames
// are counted with requestAnimationFrame for MEASURE_MS. The virtual speed the worker achieved
// and the timestamps the driver delivered per wall second over the same window are read from the
// page and reported on stderr with the figure (at ×1 the trains make 500 000 a second).
import type { Page } from '@playwright/test';
import type { Bench } from './bench-types';
import { countFrames, withBuiltApp } from './ui-browser';

const WARMUP_MS = 3000;
const MEASURE_MS = 5000;
const FREQUENCY_HZ = 100_000;
const CHANNELS = [1, 2, 3, 4, 5];

/** Timestamps delivered so far (all channels) and the virtual clock in seconds. */
async function progress(page: Page): Promise<{ timestamps: number; clockS: number; wallMs: number }> {
  const counts = await page.locator('.tdc-panel td[data-counter="timestamps"]').allTextContents();
  const clock = (await page.locator('.clock-value').textContent()) ?? '0';
  return {
    timestamps: counts.reduce((sum, t) => sum + Number(t.replace(/,/g, '')), 0),
    clockS: Number.parseFloat(clock),
    wallMs: Date.now(),
  };
}

/** Scrolls to the TDC panel until its counters arrive (the lab view remounts once at load). */
async function showTdcPanel(page: Page): Promise<void> {
  const panel = page.locator('.tdc-panel').first();
  const counter = page.locator('.tdc-panel td[data-counter="timestamps"]').first();
  for (let tries = 0; ; tries++) {
    await panel.waitFor();
    await panel.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    try {
      await counter.waitFor({ timeout: 2000 });
      return;
    } catch (e) {
      if (tries > 15) throw e;
    }
  }
}

/** Frames per second while the TDC panel shows 100 kHz on all five channels. */
export function measureTdcFps(): Promise<number> {
  return withBuiltApp(async (page) => {
    await showTdcPanel(page);
    for (const ch of CHANNELS) {
      await page.getByLabel(`channel ${ch} pulse frequency`, { exact: true }).fill(String(FREQUENCY_HZ));
      await page.getByRole('button', { name: `start channel ${ch} pulses`, exact: true }).click();
      await page
        .locator('.tdc-card')
        .nth(ch - 1)
        .getByText('running')
        .waitFor();
    }
    await page.waitForTimeout(WARMUP_MS);
    const before = await progress(page);
    const fps = await countFrames(page, MEASURE_MS);
    const after = await progress(page);
    const wallS = (after.wallMs - before.wallMs) / 1000;
    const speed = (after.clockS - before.clockS) / wallS;
    const perS = Math.round((after.timestamps - before.timestamps) / wallS);
    process.stderr.write(
      `ui.fps_tdc_100khz: virtual speed ×${speed.toFixed(2)} (asked ×1), ${perS} timestamps per wall second (500000 at ×1)\n`,
    );
    return Number(fps.toFixed(1));
  });
}

export const benches: Bench[] = [{ name: 'ui.fps_tdc_100khz', unit: 'fps', run: measureTdcFps }];
