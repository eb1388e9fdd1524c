import type { InputFile } from 'grammy';
import { expect, it } from 'vitest';
import { parseExportRequest } from '../../src/bot/export/export-request.js';
import { planExport, sendPlan } from '../../src/bot/features/export.js';
import { createPortMemberReader } from '../../src/db/repositories/member-reader-port.js';
import { createPortMemberStore } from '../../src/db/repositories/member-store.js';
import type { MemberInput } from '../../src/db/repositories/members.js';
import type { SqlHandle } from '../../src/db/sql/sql-port.js';
import { describeEachDialect } from '../db/dialects.js';
import { useMemoryDatabase } from '../db/helpers.js';

const DAY = 86_400_000;
const NOW = 1_800_000_000_000;

function user(i: number): MemberInput {
  const statuses = ['online', 'offline', 'recently', 'last_week', 'last_month', 'long_ago'] as const;
  const status = statuses[i % statuses.length] ?? 'online';
  return {
    id: 7_000_000_000 + i,
    username: i % 10 === 9 ? null : `user${i}`,
    firstName: i === 3 ? 'Comma, "Quote"' : `First${i}`,
    lastName: `Last${i}`,
    isBot: i % 50 === 49,
    isPremium: i % 7 === 6,
    isScam: i % 40 === 1,
    phone: i % 13 === 0 ? `999${i}` : null,
    langCode: 'en',
    lastSeen: { status, wasOnlineAt: status === 'offline' ? NOW - (i % 40) * DAY : null },
    role: i === 1 ? 'creator' : i % 25 === 2 ? 'admin' : 'member',
    joinedAt: i === 1 ? null : NOW - i * DAY,
  };
}

async function seed(db: SqlHandle): Promise<void> {
  const store = createPortMemberStore(db);
  await store.upsertChat({ id: 1001, kind: 'supergroup', username: 'bigchat', title: 'Big chat' }, 1);
  await store.upsertChat({ id: 1002, kind: 'supergroup', username: 'otherchat', title: 'Other chat' }, 1);
  const users = Array.from({ length: 400 }, (_, i) => user(i + 1));
  await store.storeMembers(1001, users.slice(0, 250), { source: 'participants', now: NOW - 2 * DAY });
  await store.storeMembers(1001, users.slice(250), { source: 'messages', now: NOW - DAY });
  await store.storeMembers(1002, users.filter((_, i) => i % 3 === 0), { source: 'participants', now: NOW });
}

/** What the panel sends for an /export: each document's name, caption and bytes, and each message. */
async function exportOf(db: SqlHandle, args: string) {
  const sent: Array<{ name: string | undefined; caption: string | undefined; bytes: string } | string> = [];
  const api = {
    async sendDocument(_chatId: number | string, document: InputFile | string, other?: { caption?: string }) {
      if (typeof document === 'string') throw new Error('expected a file');
      const chunks: Buffer[] = [];
      for await (const chunk of (await document.toRaw()) as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
      sent.push({ name: document.filename, caption: other?.caption, bytes: Buffer.concat(chunks).toString('base64') });
      return {} as never;
    },
    async sendMessage(_chatId: number | string, text: string) {
      sent.push(text);
      return {} as never;
    },
  };
  const request = parseExportRequest(args);
  if (!request.ok) throw new Error(request.message);
  const reader = createPortMemberReader(db);
  const plan = await planExport(reader, request.value, NOW);
  if (plan.kind === 'refuse') return [plan.message];
  await sendPlan(api, reader, 4242, plan, { maxBytes: 12_000, pageSize: 64 });
  return sent;
}

const openReference = useMemoryDatabase();

describeEachDialect('/export over the member reader', (open) => {
  it.each([
    '@bigchat @otherchat',
    '@bigchat --format json --extra',
    '@otherchat @bigchat --common --active 7d --no-bots',
    '@bigchat @otherchat --admins --premium',
    '@bigchat --username --active 30d --format csv',
  ])('sends for %j what it sends from SQLite, byte for byte', async (args) => {
    const target = await open();
    await seed(target);
    const reference = openReference();
    await seed(reference);
    const sent = await exportOf(target, args);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent).toEqual(await exportOf(reference, args));
  });
});
