import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { qrCodePng } from '../../../src/bot/qr-code.js';
import { createPlayground, unavailableLine, type MessageView } from '../../../src/sandbox/playground/index.js';
import { ADA, TOKEN, callJson, pngHeader, startServer } from '../bot-api/helpers.js';
import { until } from '../../until.js';
import { openEvents, postJson, startPlayground } from './helpers.js';

const KEYBOARD = { inline_keyboard: [[{ text: '🔄 Refresh', callback_data: 'st:r' }, { text: 'Docs', url: 'https://grammy.dev' }]] };

/** A GET with a Host header of the caller's choosing (fetch always sends the URL's). */
function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}`, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Playground server', () => {
  it('does listen on 127.0.0.1 only, and serves the page', async () => {
    const { server } = await startServer();
    const { url } = await startPlayground(server, ADA);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(url);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/app.js"></script>');
    expect((await fetch(`${url}app.js`)).status).toBe(200);
    expect((await fetch(`${url}../package.json`)).status).toBe(404);
    expect((await fetch(`${url}%2e%2e/package.json`)).status).toBe(404);
    const port = Number(new URL(url).port);
    const other = Object.values(networkInterfaces())
      .flat()
      .find((address) => address !== undefined && address.family === 'IPv4' && !address.internal);
    // Another interface of this machine, when it has one, is refused: nothing listens there.
    if (other !== undefined) await expect(fetch(`http://${other.address}:${port}/`)).rejects.toThrow();
  });

  it('does report a port in use in one line instead of failing', async () => {
    const { server } = await startServer();
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const playground = createPlayground({ chat: server, user: ADA, logger: pino({ level: 'silent' }) });
      const started = await playground.start(port);
      expect(started).toEqual({ kind: 'unavailable', port, reason: 'in-use' });
      expect(unavailableLine({ kind: 'unavailable', port, reason: 'in-use' })).toBe(
        `The playground is off: port ${port} is in use. Set PLAYGROUND_PORT to a free port (0 turns it off); the panel runs on without it.`,
      );
      await playground.stop();
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('does refuse other hosts and other sites', async () => {
    const { server } = await startServer();
    const { url } = await startPlayground(server, ADA);
    const port = new URL(url).port;
    expect(await getWithHost(url, `127.0.0.1:${port}`)).toBe(200);
    expect(await getWithHost(url, `localhost:${port}`)).toBe(200);
    // A page on a DNS name rebound to 127.0.0.1 sends its own name as the Host.
    expect(await getWithHost(url, `evil.example:${port}`)).toBe(421);
    expect((await postJson(url, 'api/messages', { text: '/status' }, { origin: 'https://evil.example' })).status).toBe(403);
    const form = await fetch(`${url}api/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"text":"/status"}' });
    expect(form.status).toBe(415);
    expect(server.history(ADA.id)).toEqual([]);
  });

  it('does stream the history, then messages, edits and deletions as they happen', async () => {
    const { server, url: api } = await startServer();
    server.openChat(ADA);
    server.userSends(ADA, '/start');
    const { url } = await startPlayground(server, ADA);
    const stream = await openEvents(url);
    try {
      await until(() => stream.events.length === 1, 'the history');
      expect(stream.events[0]).toMatchObject({ event: 'history', data: { user: { id: ADA.id }, bot: { username: 'switchboard_test_bot' }, scan: false } });
      const history = (stream.events[0]?.data as { messages: MessageView[] }).messages;
      expect(history.map((m) => [m.sender, m.text?.text])).toEqual([['user', '/start']]);
      const sent = await callJson(api, 'sendMessage', { chat_id: ADA.id, text: 'Scrape <b>running</b> &amp; well', parse_mode: 'HTML', reply_markup: KEYBOARD });
      const id = (sent.body.result as { message_id: number }).message_id;
      await callJson(api, 'editMessageText', { chat_id: ADA.id, message_id: id, text: '✅ done: see https://t.me/bigchat' });
      await callJson(api, 'deleteMessage', { chat_id: ADA.id, message_id: id });
      await until(() => stream.events.length === 4, 'three live events');
      const live = stream.events.slice(1).map((e) => e.data as { kind: string; message: MessageView });
      expect(live.map((e) => e.kind)).toEqual(['sent', 'edited', 'deleted']);
      expect(live[0]?.message).toMatchObject({
        id,
        sender: 'bot',
        edited: false,
        text: { text: 'Scrape running & well', entities: [{ type: 'bold', offset: 7, length: 7 }] },
        buttons: [[{ kind: 'callback', text: '🔄 Refresh', data: 'st:r' }, { kind: 'url', text: 'Docs', url: 'https://grammy.dev' }]],
      });
      expect(live[1]?.message).toMatchObject({ edited: true, buttons: [], text: { text: '✅ done: see https://t.me/bigchat', entities: [{ type: 'url', offset: 12, length: 20 }] } });
      // Another chat's messages stay out of this one.
      server.userSends({ id: 777, first_name: 'Other' }, 'hello');
      server.userSends(ADA, 'mine');
      await until(() => stream.events.length === 5, 'the user message');
      expect(stream.events[4]?.data).toMatchObject({ kind: 'sent', message: { sender: 'user', text: { text: 'mine' } } });
    } finally {
      stream.close();
    }
  });

  it('does send text, upload documents and press buttons as the user', async () => {
    const { server, url: api } = await startServer();
    const { url } = await startPlayground(server, ADA);
    expect(await postJson(url, 'api/messages', { text: '  /status  ' })).toMatchObject({ status: 200, body: { ok: true, message: { sender: 'user', text: { text: '/status' } } } });
    expect(await postJson(url, 'api/messages', { text: '   ' })).toEqual({ status: 400, body: { ok: false, error: 'a message needs some text' } });
    const upload = await fetch(`${url}api/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'x-file-name': encodeURIComponent('chats—list.txt'), 'x-caption': encodeURIComponent('/bulk --limit 10') },
      body: '@bigchat\n@smallgroup\n',
    });
    expect(upload.status).toBe(200);
    const document = server.history(ADA.id).at(-1);
    expect(document).toMatchObject({ caption: '/bulk --limit 10', document: { file_name: 'chats—list.txt', mime_type: 'text/plain' } });
    expect(server.files.get(document!.document!.file_id)?.bytes.toString()).toBe('@bigchat\n@smallgroup\n');
    expect(server.pendingUpdates().map((u) => u.message?.text ?? u.message?.caption)).toEqual(['/status', '/bulk --limit 10']);

    const sent = await callJson(api, 'sendMessage', { chat_id: ADA.id, text: 'Status', reply_markup: KEYBOARD });
    const messageId = (sent.body.result as { message_id: number }).message_id;
    const press = postJson(url, 'api/press', { messageId, data: 'st:r' });
    await until(() => server.pendingUpdates().some((u) => u.callback_query !== undefined), 'the callback query');
    const query = server.pendingUpdates().find((u) => u.callback_query)!.callback_query!;
    await callJson(api, 'answerCallbackQuery', { callback_query_id: query.id, text: 'Refreshed' });
    expect(await press).toEqual({ status: 200, body: { ok: true, answer: 'Refreshed' } });
    expect(await postJson(url, 'api/press', { messageId, data: 'nope' })).toMatchObject({ status: 409, body: { ok: false, error: expect.stringContaining('no button') } });
  });

  it('does serve documents as downloads under their name, and photos inline', async () => {
    const { server, url: api } = await startServer();
    server.openChat(ADA);
    const { url } = await startPlayground(server, ADA);
    const form = new FormData();
    form.append('chat_id', String(ADA.id));
    form.append('document', new Blob(['user_id,username\n10000001,user1\n']), 'members @bigchat «1».csv');
    await fetch(`${api}/bot${TOKEN}/sendDocument`, { method: 'POST', body: form });
    const photo = new FormData();
    photo.append('chat_id', String(ADA.id));
    photo.append('photo', new Blob([pngHeader(40, 30)]), 'chart.png');
    await fetch(`${api}/bot${TOKEN}/sendPhoto`, { method: 'POST', body: photo });
    const [doc, pic] = server.history(ADA.id);
    const file = await fetch(`${url}api/files/${doc!.document!.file_id}`);
    expect(file.headers.get('content-type')).toBe('application/octet-stream');
    expect(file.headers.get('content-disposition')).toBe(`attachment; filename="members @bigchat _1_.csv"; filename*=UTF-8''members%20%40bigchat%20%C2%AB1%C2%BB.csv`);
    expect(await file.text()).toBe('user_id,username\n10000001,user1\n');
    const image = await fetch(`${url}api/files/${pic!.photo!.at(-1)!.file_id}`);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.get('content-disposition')).toMatch(/^inline; /);
    expect((await fetch(`${url}api/files/nope`)).status).toBe(404);
  });

  it('does offer the command menu the user sees in their private chat', async () => {
    const { server, url: api } = await startServer();
    const { url } = await startPlayground(server, ADA);
    const commands = async () => ((await (await fetch(`${url}api/commands`)).json()) as { commands: unknown[] }).commands;
    expect(await commands()).toEqual([]);
    await callJson(api, 'setMyCommands', { commands: [{ command: 'help', description: 'Everyone' }] });
    expect(await commands()).toEqual([{ command: 'help', description: 'Everyone' }]);
    await callJson(api, 'setMyCommands', { commands: [{ command: 'status', description: 'Live panel' }], scope: { chat_id: ADA.id, type: 'chat' } });
    expect(await commands()).toEqual([{ command: 'status', description: 'Live panel' }]);
  });

  it('does hand over a scan of the latest photo, and say when there is no QR code', async () => {
    const { server, url: api } = await startServer();
    server.openChat(ADA);
    const scans: Array<[string, string]> = [];
    const { url } = await startPlayground(server, ADA, { scan: async (phone, token) => (scans.push([phone, token]), { ok: true, phone }) });
    expect(await postJson(url, 'api/scan', { phone: '+15550000005' })).toEqual({ status: 200, body: { ok: true, scanned: false, text: 'no QR code to scan: the latest photo from the bot holds none' } });
    const photo = new FormData();
    photo.append('chat_id', String(ADA.id));
    photo.append('photo', new Blob([await qrCodePng('tg://login?token=abc')]), 'login-qr.png');
    await fetch(`${api}/bot${TOKEN}/sendPhoto`, { method: 'POST', body: photo });
    expect(await postJson(url, 'api/scan', { phone: ' +15550000005 ' })).toEqual({ status: 200, body: { ok: true, scanned: true, text: '+15550000005 scanned the QR code' } });
    expect(scans).toEqual([['+15550000005', 'tg://login?token=abc']]);
  });
});
