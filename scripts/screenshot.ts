/**
 * `npm run screenshot`: docs/playground.png, the playground as a newcomer sees it after a few commands, made
 * with the browser tests' tooling (playwright-core driving Debian's Chromium at /usr/bin/chromium). Emoji
 * need a colour emoji font (Debian: fonts-noto-color-emoji).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createApp } from '../src/app.js';
import { loadConfig, SANDBOX_ADMIN_ID } from '../src/config.js';
import { createPlayground } from '../src/sandbox/playground/index.js';
import { launchChromium } from '../test/e2e/chromium.js';

const OUTPUT = 'docs/playground.png';
const TIMEOUT_MS = 60_000;

const dir = mkdtempSync(join(tmpdir(), 'switchboard-screenshot-'));
const logger = pino({ level: 'silent' });
// The demo world, as `npm start` runs it with nothing configured.
const app = await createApp({ config: loadConfig({ DATABASE_PATH: join(dir, 'switchboard.db'), ACCOUNTS_THREAD: 'off' }), logger });
const playground = createPlayground({ chat: app.botApi!, user: { id: SANDBOX_ADMIN_ID, first_name: 'Admin' }, logger });
const browser = await launchChromium();
try {
  await app.start();
  const started = await playground.start(0);
  if (started.kind !== 'listening') throw new Error(`the playground did not start: port ${started.port} ${started.reason}`);
  const page = await browser.newPage({ viewport: { width: 900, height: 1150 }, deviceScaleFactor: 1 });
  page.setDefaultTimeout(TIMEOUT_MS);
  await page.goto(started.url);
  await page.locator('body[data-ready]').waitFor();
  const send = async (text: string) => {
    await page.locator('#text').fill(text);
    await page.locator('#text').press('Enter');
  };
  const bot = (text: string | RegExp) => page.locator('.message.bot').filter({ hasText: text }).last();

  await send('/status');
  await bot('Switchboard status').waitFor();
  await send('/scrape @smallgroup');
  const done = bot(/✅ Scrape @smallgroup/);
  await done.waitFor();
  await done.getByRole('button', { name: /Export CSV/ }).click();
  await page.locator('.message.bot a.document').waitFor();
  // The button's answer ("Preparing the CSV…") shows for a few seconds, over the chat.
  await page.locator('#toast').waitFor({ state: 'hidden' });
  await send('/report');
  await page.locator('.message.bot img.photo').waitFor();
  await page.locator('.message.bot img.photo').evaluate('(img) => img.decode()');
  // The command menu, open as the admin starts typing.
  await page.locator('#text').pressSequentially('/s');
  await page.locator('#suggestions [role=option]').first().waitFor();
  await page.screenshot({ path: OUTPUT });
  process.stdout.write(`wrote ${OUTPUT}\n`);
} finally {
  await browser.close();
  await playground.stop();
  await app.stop();
  rmSync(dir, { recursive: true, force: true });
}
