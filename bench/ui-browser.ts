// Shared set-up of the browser figures (ui.*): build the app into a temporary directory, serve it
// with `vite preview` on a free port, open it in Chromium (Debian's /usr/bin/chromium when
// present, --no-sandbox when root, --disable-gpu), and count animation frames in the page.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Runs `fn` with a page open on the freshly built app; cleans everything up afterwards. */
export async function withBuiltApp<T>(fn: (page: Page) => Promise<T>): Promise<T> {
  const { chromium } = await import('@playwright/test');
  const { build, preview } = await import('vite');
  const outDir = mkdtempSync(join(tmpdir(), 'device-lab-ui-bench-'));
  try {
    await build({ logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    const port = await freePort();
    const server = await preview({
      build: { outDir },
      preview: { port, strictPort: true },
      logLevel: 'warn',
    });
    const systemChromium = '/usr/bin/chromium';
    const browser = await chromium.launch({
      executablePath: existsSync(systemChromium) ? systemChromium : undefined,
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-gpu'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      await page.goto(`http://127.0.0.1:${port}/`);
      return await fn(page);
    } finally {
      await browser.close();
      await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** Frames per second counted with requestAnimationFrame over `ms` of the page's time. */
export async function countFrames(page: Page, ms: number): Promise<number> {
  // A string, not a function: benches run under tsx, whose helpers do not exist in the page.
  return Number(
    await page.evaluate(`new Promise((resolve) => {
      let frames = 0;
      const t0 = performance.now();
      function tick(t) {
        frames++;
        if (t - t0 < ${ms}) requestAnimationFrame(tick);
        else resolve((frames * 1000) / (t - t0));
      }
      requestAnimationFrame(tick);
    })`),
  );
}
