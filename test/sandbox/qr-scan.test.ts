import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Bot, InputFile } from 'grammy';
import pino from 'pino';
import { Api, type TelegramClient } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { qrCodePng } from '../../src/bot/qr-code.js';
import { tokenUrl } from '../../src/engine/qr-login.js';
import { createBotApiServer } from '../../src/sandbox/bot-api/index.js';
import { startChatPrompt } from '../../src/sandbox/chat-prompt.js';
import { SANDBOX_CREDENTIALS, sandboxServer } from '../../src/sandbox/index.js';
import { isWholeImage, scanQrCode } from '../../src/sandbox/qr-scan.js';
import { serveSandbox } from '../../src/sandbox/wire/socket-server.js';
import { socketEndpoint } from '../../src/sandbox/wire/socket-endpoint.js';
import { until } from '../until.js';
import { guardConformance } from './bot-api/conformance-guard.js';
import { DAVE, startSandbox, type Sandbox } from './helpers.js';

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function exported(client: TelegramClient): Promise<string> {
  const result = await client.invoke(new Api.auth.ExportLoginToken({ ...SANDBOX_CREDENTIALS, exceptIds: [] }));
  if (!(result instanceof Api.auth.LoginToken)) throw new Error(result.className);
  return tokenUrl(Buffer.from(result.token));
}

const updated = (client: TelegramClient) =>
  new Promise<void>((resolve) => client.addEventHandler((update: unknown) => update instanceof Api.UpdateLoginToken && resolve()));

describe('Scanning QR login codes', () => {
  let sandbox: Sandbox;
  afterEach(async () => {
    await sandbox.close();
  });

  it('reads back what a QR code picture holds, and nothing from a picture without one', async () => {
    sandbox = startSandbox();
    const url = `tg://login?token=${Buffer.alloc(32, 9).toString('base64url')}`;
    expect(await scanQrCode(await qrCodePng(url))).toBe(url);
    expect(await scanQrCode(Buffer.from('not a picture'))).toBeUndefined();
  });

  it('does not hand a cut-off picture to the decoder (it would crash the process)', async () => {
    sandbox = startSandbox();
    const whole = await qrCodePng('tg://login?token=AAAA');
    expect(isWholeImage(whole)).toBe(true);
    for (const cut of [8, 24, 33, 60, whole.length - 1]) {
      expect(isWholeImage(whole.subarray(0, cut))).toBe(false);
      expect(await scanQrCode(whole.subarray(0, cut))).toBeUndefined();
    }
    expect(isWholeImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]))).toBe(false);
    expect(await scanQrCode(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]))).toBeUndefined();
  });

  it('accepts a token across the socket of a world served to other processes, with Telegram’s errors', async () => {
    sandbox = startSandbox();
    const served = await serveSandbox(sandboxServer(sandbox.world));
    cleanup.push(() => served.close());
    const endpoint = socketEndpoint(served.address);
    const client = await sandbox.connect(DAVE);
    const url = await exported(client);
    const pushed = updated(client);
    expect(await endpoint.acceptLoginToken(DAVE, url)).toEqual({ ok: true, phone: DAVE });
    await pushed;
    expect(await endpoint.acceptLoginToken(DAVE, url)).toEqual({ ok: false, error: 'AUTH_TOKEN_ALREADY_ACCEPTED' });
    expect(await endpoint.acceptLoginToken('+19990000000', url)).toEqual({ ok: false, error: 'PHONE_NUMBER_INVALID' });
  });

  it('scans the latest QR code photo of the chat prompt with !scan PHONE', async () => {
    sandbox = startSandbox();
    const served = await serveSandbox(sandboxServer(sandbox.world));
    cleanup.push(() => served.close());
    const endpoint = socketEndpoint(served.address);
    const client = await sandbox.connect(DAVE);
    const url = await exported(client);

    const token = '123456:sandbox-test-token';
    const server = guardConformance(createBotApiServer({ token, bot: { id: 999, username: 'switchboard_bot', first_name: 'Switchboard' }, logger: pino({ level: 'silent' }), longPollSecondMs: 20 }));
    const { url: apiRoot } = await server.start();
    cleanup.push(() => server.stop());
    const bot = new Bot(token, { client: { apiRoot } });
    bot.command('qr', async (ctx) => ctx.replyWithPhoto(new InputFile(await qrCodePng(url), 'login-qr.png'), { caption: 'scan this' }));
    void bot.start({ timeout: 1 });
    cleanup.push(() => bot.stop());

    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-scan-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const prompt = startChatPrompt({ server, user: { id: 1, first_name: 'Admin' }, downloads: dir, input, output, scan: (phone, text) => endpoint.acceptLoginToken(phone, text) });
    cleanup.push(() => prompt.close());
    input.write('!scan +15550000004\n');
    await until(() => printed.includes('no QR code to scan'), 'the refusal without a photo');

    input.write('/qr\n');
    await until(() => printed.includes('scan this'), 'the photo');
    const pushed = updated(client);
    input.write('!scan +15550000004\n');
    await until(() => printed.includes('📷 +15550000004 scanned the QR code'), 'the scan');
    await pushed;
    input.write('!scan +15550000004\n');
    await until(() => printed.includes('cannot scan: that code was scanned already'), 'the second scan refused');
    expect(printed).not.toContain(url.slice('tg://login?token='.length));
  });
});
