import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { createPlayground, type Playground } from '../../src/sandbox/playground/index.js';
import { poolUser } from '../../src/sandbox/pool.js';
import type { WorldInput } from '../../src/sandbox/index.js';
import { silentLogger } from '../engine/harness.js';
import { launchChromium } from './chromium.js';
import { botApiOf, panelApps } from './panel-app.js';
import { csvRecords } from '../csv.js';

const ADMIN = { id: 1, first_name: 'Admin' };
const MEMBERS = 1200;
const WORLD: WorldInput = {
  latencyMs: 2,
  participantsCap: 10_000,
  accounts: [
    { phone: '+15550000001', userId: 7_000_001, firstName: 'Ops', code: '11111', authorized: true },
    { phone: '+15550000002', userId: 7_000_002, firstName: 'Ops', code: '22222', authorized: true },
  ],
  chats: [
    { id: 1001, kind: 'supergroup', username: 'panelchat', title: 'Panel chat', members: { from: 1, count: MEMBERS } },
    { id: 1002, kind: 'supergroup', username: 'otherchat', title: 'Other chat', members: { from: 5000, count: 300 } },
  ],
};
/** A ceiling for what the panel does under load; every wait ends as soon as its condition holds. */
const SLOW = 20_000;

const panels = panelApps('switchboard-playground-');
let browser: Browser;
let context: BrowserContext | undefined;
let playground: Playground | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await context?.close();
  context = undefined;
  await playground?.stop();
  playground = undefined;
});

/** The panel as `npm start` builds it, its playground on a free port, and a page open on it. */
async function openPlayground(): Promise<{ app: App; page: Page }> {
  const app = await panels.start(WORLD);
  playground = createPlayground({ chat: botApiOf(app), user: ADMIN, logger: silentLogger() });
  const started = await playground.start(0);
  if (started.kind !== 'listening') throw new Error(`the playground did not start: ${started.reason}`);
  context = await browser.newContext({ acceptDownloads: true, viewport: { width: 390, height: 800 } });
  // Below the test's own timeout, so a wait that fails says what it waited for.
  context.setDefaultTimeout(SLOW);
  const page = await context.newPage();
  await page.goto(started.url);
  await page.locator('body[data-ready]').waitFor();
  return { app, page };
}

/** Runs in the page (this project's TypeScript has no DOM types): keeps every text the scrape's message shows, in `window.seen`. */
const RECORD_SCRAPE_TEXTS = `
  window.seen = [];
  new MutationObserver(() => {
    for (const node of document.querySelectorAll('.message.bot .text')) {
      const text = node.innerText;
      if (text.includes('Scrape @panelchat') && window.seen.at(-1) !== text) window.seen.push(text);
    }
  }).observe(document.getElementById('messages'), { childList: true, subtree: true, characterData: true });
`;

/** The bot's messages whose text contains `text`. */
const botMessage = (page: Page, text: string | RegExp) => page.locator('.message.bot').filter({ hasText: text });

async function send(page: Page, text: string): Promise<void> {
  await page.locator('#text').fill(text);
  await page.locator('#text').press('Enter');
}


describe('The playground in Chromium', { timeout: 60_000 }, () => {
  it('does show /status from the command menu, and its buttons press', async () => {
    const { page } = await openPlayground();
    await page.locator('#text').pressSequentially('/sta');
    const suggestion = page.locator('#suggestions [role=option]', { hasText: '/status' });
    await suggestion.waitFor();
    await page.locator('#text').press('Tab');
    expect(await page.locator('#text').inputValue()).toBe('/status ');
    await page.locator('#text').press('Enter');
    const status = botMessage(page, 'Switchboard status');
    await status.waitFor({ timeout: SLOW });
    await expect.poll(() => status.locator('.text').innerText()).toContain('Accounts: 2');
    const id = await status.getAttribute('data-message-id');
    await status.getByRole('button', { name: '👤 Accounts' }).click();
    // The panel edits the same message into the account list.
    const edited = page.locator(`.message.bot[data-message-id="${id}"]`);
    await edited.filter({ hasText: '+1555…0002' }).filter({ hasNotText: 'Switchboard status' }).waitFor({ timeout: SLOW });
    expect(await edited.locator('.meta').innerText()).toMatch(/^edited /);
  });

  it('does show a scrape edited up to ✅, and Export CSV downloads the members the world holds', async () => {
    const { page } = await openPlayground();
    // Every text the scrape's message shows, as the page shows it.
    await page.evaluate(RECORD_SCRAPE_TEXTS);
    await send(page, '/scrape @panelchat');
    const done = botMessage(page, /✅ Scrape @panelchat/);
    await done.waitFor({ timeout: SLOW });
    expect(await done.locator('.text').innerText()).toContain(`Found ${MEMBERS.toLocaleString('en-US')} of ${MEMBERS.toLocaleString('en-US')} members (100%).`);
    expect(await done.locator('.meta').innerText()).toMatch(/^edited /);
    const seen = (await page.evaluate('window.seen')) as string[];
    // Queued (🕒) or running (⏳) first, edited as it goes, ✅ last.
    expect(seen[0]).toMatch(/^(🕒|⏳)/);
    expect(seen.some((text) => text.startsWith('⏳'))).toBe(true);
    expect(seen.at(-1)).toMatch(/^✅/);

    await done.getByRole('button', { name: /Export CSV/ }).click();
    const link = page.locator('.message.bot a.document');
    await link.waitFor({ timeout: SLOW });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const rows = csvRecords(readFileSync(await download.path(), 'utf8'));
    const expected = Array.from({ length: MEMBERS }, (_, i) => poolUser(i + 1));
    const columns = ['user_id', 'username', 'first_name', 'last_name', 'is_bot', 'is_premium'] as const;
    expect(rows.map((row) => columns.map((c) => row[c]))).toEqual(
      expected.map((u) => [String(u.id), u.username ?? '', u.firstName, u.lastName, String(u.bot), String(u.premium)]),
    );
    expect(new Set(rows.map((row) => row.source))).toEqual(new Set(['participants']));
    expect(rows.every((row) => row.first_seen_at !== '' && row.last_seen_at !== '')).toBe(true);
  });

  it('does upload a .txt list for /bulk', async () => {
    const { page } = await openPlayground();
    await page.locator('#file').setInputFiles({ name: 'chats.txt', mimeType: 'text/plain', buffer: Buffer.from('@panelchat\nhttps://t.me/otherchat\n') });
    await page.locator('#attachment-name', { hasText: 'chats.txt' }).waitFor();
    await send(page, '/bulk --limit 100');
    await page.locator('.message.user a.document', { hasText: 'chats.txt' }).waitFor();
    const finished = botMessage(page, /Bulk scrape finished: 2 of 2 chats scraped/);
    await finished.waitFor({ timeout: SLOW });
    expect(await finished.locator('.text').innerText()).toContain(`✅ @panelchat: 100 of ${MEMBERS.toLocaleString('en-US')} members`);
  });

  it('does show a message with HTML in it as text, and runs none of it', async () => {
    const { page } = await openPlayground();
    // One word, so the panel's answer quotes it: the operation number must be a whole number (got "…").
    const evil = '<b>1</b><img/src=x/onerror=pwned=1>';
    await send(page, `/cancel ${evil}`);
    const mine = page.locator('.message.user').filter({ hasText: '<img/src=x' });
    await mine.waitFor();
    expect(await mine.locator('.text').innerText()).toBe(`/cancel ${evil}`);
    const answer = botMessage(page, 'The operation number must be a whole number');
    await answer.waitFor({ timeout: SLOW });
    expect(await answer.locator('.text').innerText()).toContain('(got "<b>1</b><img/src=x');
    expect(await page.locator('.message img:not(.photo):not(.document-icon), .message b').count()).toBe(0);
    expect(await page.evaluate('window.pwned')).toBeUndefined();
  });

  it('does render Telegram formatting the bot sends, and never a script link', async () => {
    const { app, page } = await openPlayground();
    const api = botApiOf(app);
    const html = '<b>Bold</b> <i>it</i> <code>/status</code> <a href="https://example.org/x">a link</a> <a href="javascript:pwned=1">bad</a> &lt;b&gt;not bold&lt;/b&gt;';
    const sent = await fetch(`${api.url}/bot${app.config.bot.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: ADMIN.id, text: html, parse_mode: 'HTML' }),
    });
    expect(sent.status).toBe(200);
    const message = botMessage(page, 'not bold');
    await message.waitFor();
    const text = message.locator('.text');
    expect(await text.innerText()).toBe('Bold it /status a link bad <b>not bold</b>');
    expect(await text.locator('strong').innerText()).toBe('Bold');
    expect(await text.locator('em').innerText()).toBe('it');
    expect(await text.locator('code').innerText()).toBe('/status');
    // The javascript: link stays plain text.
    expect(await text.locator('a').count()).toBe(1);
    expect([await text.locator('a').innerText(), await text.locator('a').getAttribute('href')]).toEqual(['a link', 'https://example.org/x']);
  });
});
