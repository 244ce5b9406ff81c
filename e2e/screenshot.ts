// Saves a screenshot of the default lab (built app, `vite preview`) to docs/screenshot.png.
// Usage: npm run build && npm run screenshot [-- OUT.png [SECONDS] [--full]]
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { preview } from 'vite';

const out = process.argv[2] ?? 'docs/screenshot.png';
const waitS = Number(process.argv[3] ?? 20);
const systemChromium = '/usr/bin/chromium';

const server = await preview({ preview: { port: 4174, strictPort: true } });
const browser = await chromium.launch({
  executablePath: existsSync(systemChromium) ? systemChromium : undefined,
  args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
});
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1250 }, deviceScaleFactor: 1 });
  await page.goto('http://localhost:4174/');
  await page.getByRole('img', { name: /^foo IOPS/ }).waitFor();
  await page.waitForTimeout(waitS * 1000);
  await page.screenshot({ path: out, fullPage: process.argv.includes('--full') });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.close();
}
