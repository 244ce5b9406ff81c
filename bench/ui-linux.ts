// Browser figures of the Linux guest (automation.md §1; issue 5): Chromium's wall time from
// choosing "Linux 6.1 in v86" in the guest selector until the shell answers, from the image's
// snapshot (`linux.shell_from_snapshot_chromium`, target ≤ 1 s) and from a cold boot
// (`linux.shell_cold_boot_chromium`, target ≤ 10 s). The Node figures are bench/linux.ts's.
//
// How: build the app (public/guest/ is copied into it), serve it with `vite preview`, open it in
// Chromium (ui-browser.ts), and per run reload the page (the TypeScript guest again), pick the
// start mode, click the Linux radio and time, in the page, from the radio's change event until
// the selector's "Linux is up" status appears: the worker sends it once the ttyS0 shell has
// printed its prompt (after init's banner when cold). The time includes fetching the image from
// the local server, compiling v86.wasm, rebuilding the lab and restoring (or booting). Snapshot: median of 3 runs; cold boot: one run. Without the image each figure prints
// NaN and a note on stderr (npm run guest:build makes it).
import { existsSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';
import type { Bench } from './bench-types';
import { withBuiltApp } from './ui-browser';

const LINUX = 'Linux 6.1 in v86 (real drivers, real-time)';
const SNAPSHOT_RUNS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Seconds from the Linux radio's change event to the "Linux is up" status in the page, both
 * taken in the page (performance.now), so Playwright's own polling is not counted.
 */
async function timeToShell(page: Page, from: 'snapshot' | 'cold'): Promise<number> {
  await page.reload();
  const radio = page.getByRole('radio', { name: LINUX, exact: true });
  await expect(radio).toBeEnabled({ timeout: 30_000 }); // the worker found the image
  if (from === 'cold') await page.getByRole('radio', { name: 'cold boot (shows the kernel log)' }).check();
  // A string, not a function: benches run under tsx, whose helpers do not exist in the page.
  await page.evaluate(`void (window.__linuxStart = new Promise((resolve) => {
    let t0 = 0;
    document.addEventListener('change', () => { if (t0 === 0) t0 = performance.now(); }, true);
    const seen = new MutationObserver(() => {
      if (t0 > 0 && document.querySelector('.linux-ready')) {
        seen.disconnect();
        resolve(performance.now() - t0);
      }
    });
    seen.observe(document.body, { subtree: true, childList: true });
  }))`);
  await radio.click();
  return Number(await page.evaluate('window.__linuxStart')) / 1000;
}

let results: Promise<{ snapshot: number; cold: number }> | null = null;

/** Both figures from one build of the app. */
function measure(): Promise<{ snapshot: number; cold: number }> {
  if (!results)
    results = (async () => {
      if (!existsSync('public/guest/manifest.json')) {
        process.stderr.write('ui-linux bench: public/guest/ is not built; run npm run guest:build\n');
        return { snapshot: Number.NaN, cold: Number.NaN };
      }
      return withBuiltApp(async (page) => {
        const snaps: number[] = [];
        for (let i = 0; i < SNAPSHOT_RUNS; i++) snaps.push(await timeToShell(page, 'snapshot'));
        const cold = await timeToShell(page, 'cold');
        process.stderr.write(
          `ui-linux bench: from snapshot ${snaps.map((s) => s.toFixed(2)).join(', ')} s; cold boot ${cold.toFixed(2)} s\n`,
        );
        return { snapshot: median(snaps), cold };
      });
    })();
  return results;
}

export const benches: Bench[] = [
  { name: 'linux.shell_from_snapshot_chromium', unit: 's', run: async () => (await measure()).snapshot },
  { name: 'linux.shell_cold_boot_chromium', unit: 's', run: async () => (await measure()).cold },
];
