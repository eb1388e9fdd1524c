import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CHATS, WorldFileError, demoWorld, loadWorldFile, parseWorld } from '../../src/sandbox/index.js';

const SPEC_EXAMPLE = {
  latencyMs: 5,
  participantsCap: 10000,
  accounts: [
    { phone: '+15550000001', userId: 7000001, firstName: 'Ops', code: '12345', password: 'optional-2fa', authorized: true },
  ],
  chats: [
    {
      id: 1001,
      kind: 'supergroup',
      username: 'bigchat',
      invite: 'AbCdEf123',
      title: 'Big chat',
      members: { from: 1, count: 25000 },
      membersHidden: false,
      joinRequired: false,
      messages: { count: 3000, days: 30, authors: { from: 1, count: 400 } },
    },
  ],
  faults: [{ account: '+15550000001', method: 'channels.GetParticipants', afterCalls: 20, error: 'FLOOD_WAIT_120', times: 1 }],
  timeline: [{ atSeconds: 8, chat: 1001, from: 42, text: 'anyone selling a used bike?', everySeconds: 0 }],
};

function errorOf(fn: () => unknown): WorldFileError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WorldFileError);
    return error as WorldFileError;
  }
  throw new Error('expected a WorldFileError');
}

function withChats(chats: unknown[]): unknown {
  return { ...SPEC_EXAMPLE, chats, timeline: [] };
}

describe('parseWorld', () => {
  it('accepts the SPEC example and keeps its values', () => {
    const world = parseWorld(SPEC_EXAMPLE);
    expect(world.latencyMs).toBe(5);
    expect(world.chats[0]?.members).toEqual({ from: 1, count: 25000 });
    expect(world.faults[0]).toMatchObject({ afterCalls: 20, error: 'FLOOD_WAIT_120', times: 1 });
    expect(world.timeline[0]?.text).toBe('anyone selling a used bike?');
  });

  it('applies the documented defaults', () => {
    const world = parseWorld({
      accounts: [{ phone: '+15550000009', userId: 1, firstName: 'A', code: '11111' }],
      chats: [{ id: 1, kind: 'group', title: 'G', members: { from: 1, count: 3 } }],
      faults: [{ account: '+15550000009', method: '*', error: 'RPC_CALL_FAIL' }],
      timeline: [{ atSeconds: 1, chat: 1, from: 2, text: 'hi' }],
    });
    expect(world.participantsCap).toBe(10_000);
    expect(world.latencyMs).toBe(0);
    expect(world.accounts[0]?.authorized).toBe(false);
    expect(world.chats[0]).toMatchObject({ membersHidden: false, joinRequired: false, inviteExpired: false });
    expect(world.faults[0]).toMatchObject({ afterCalls: 0, times: 1 });
    expect(world.timeline[0]?.everySeconds).toBe(0);
  });

  it('accepts JSON text', () => {
    expect(parseWorld(JSON.stringify(SPEC_EXAMPLE)).chats).toHaveLength(1);
  });

  it('names the field of a bad enum value', () => {
    const chats = [...SPEC_EXAMPLE.chats, { ...SPEC_EXAMPLE.chats[0], id: 2, username: 'b2222' }, { ...SPEC_EXAMPLE.chats[0], id: 3, username: 'c3333', kind: 'megagroup' }];
    const error = errorOf(() => parseWorld(withChats(chats)));
    expect(error.message).toContain('chats[2].kind: expected one of supergroup, channel, group');
    expect(error.issues).toEqual([{ path: 'chats[2].kind', message: 'expected one of supergroup, channel, group' }]);
  });

  it('names unknown and missing fields', () => {
    const error = errorOf(() =>
      parseWorld({
        accounts: [{ phone: '+15550000009', userId: 1, firstName: 'A' }],
        chats: [{ id: 1, kind: 'group', title: 'G', members: { from: 1, count: 3 }, membersHiden: true }],
      }),
    );
    const paths = error.issues.map((i) => i.path);
    expect(paths).toContain('accounts[0].code');
    expect(paths).toContain('chats[0].membersHiden');
    expect(error.message).toMatch(/chats\[0\]\.membersHiden: unknown field/);
  });

  it('names bad numbers and formats', () => {
    const error = errorOf(() =>
      parseWorld({ participantsCap: 0, chats: [{ id: 1, kind: 'group', title: 'G', invite: 't.me/+x', members: { from: 0, count: 3 } }] }),
    );
    const paths = error.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['participantsCap', 'chats[0].members.from', 'chats[0].invite']));
  });

  it('checks references and duplicates across the file', () => {
    const error = errorOf(() =>
      parseWorld({
        accounts: [
          { phone: '+15550000009', userId: 5, firstName: 'A', code: '11111', joined: [77] },
          { phone: '15550000009', userId: 10_000_002, firstName: 'B', code: '11111' },
        ],
        chats: [
          { id: 1, kind: 'supergroup', username: 'same', title: 'A', members: { from: 1, count: 3 } },
          { id: 1, kind: 'supergroup', username: 'SAME', title: 'B', members: { from: 1, count: 3 } },
        ],
        faults: [{ account: '+19990000000', method: '*', error: 'PEER_FLOOD' }],
        timeline: [{ atSeconds: 1, chat: 99, from: 1, text: 'x' }],
      }),
    );
    expect(error.issues).toEqual(
      expect.arrayContaining([
        { path: 'accounts[1].phone', message: 'same phone as accounts[0]' },
        { path: 'accounts[1].userId', message: expect.stringContaining('collides with pool user 2') },
        { path: 'chats[1].id', message: 'same id as chats[0]' },
        { path: 'chats[1].username', message: 'same username as chats[0]' },
        { path: 'accounts[0].joined[0]', message: 'no chat with id 77' },
        { path: 'faults[0].account', message: 'no account with phone +19990000000' },
        { path: 'timeline[0].chat', message: 'no chat with id 99' },
      ]),
    );
  });

  it('reads auth keys, home data centers and proxies, and names bad ones', () => {
    const account = SPEC_EXAMPLE.accounts[0]!;
    const world = parseWorld({
      ...SPEC_EXAMPLE,
      accounts: [{ ...account, authKey: 'AB'.repeat(256), dc: 4 }],
      proxies: [{ url: 'socks5://u:p@127.0.0.1:1080' }, { url: 'mtproxy://10.0.0.1:443', works: false, latencyMs: 50 }],
    });
    expect(world.accounts[0]).toMatchObject({ authKey: 'ab'.repeat(256), dc: 4 });
    expect(parseWorld(SPEC_EXAMPLE).accounts[0]?.dc).toBe(2);
    expect(world.proxies).toEqual([
      { url: 'socks5://u:p@127.0.0.1:1080', works: true, latencyMs: 0 },
      { url: 'mtproxy://10.0.0.1:443', works: false, latencyMs: 50 },
    ]);
    const bad = errorOf(() =>
      parseWorld({
        ...SPEC_EXAMPLE,
        accounts: [{ ...account, authKey: 'ab'.repeat(100), dc: 6 }],
        proxies: [{ url: 'http://127.0.0.1:8080' }, { url: 'socks5://127.0.0.1:1080' }, { url: 'socks5://x:y@127.0.0.1:1080' }],
      }),
    );
    expect(bad.issues).toEqual(
      expect.arrayContaining([
        { path: 'accounts[0].authKey', message: 'expected the auth key as 512 hexadecimal digits (256 bytes)' },
        { path: 'accounts[0].dc', message: 'must be at most 5' },
        { path: 'proxies[0].url', message: expect.stringContaining('socks5://') },
      ]),
    );
    const duplicates = errorOf(() =>
      parseWorld({
        ...SPEC_EXAMPLE,
        accounts: [
          { ...account, authKey: 'ab'.repeat(256) },
          { ...account, phone: '+15550000002', userId: 7000002, authKey: 'AB'.repeat(256) },
        ],
        proxies: [{ url: 'socks5://127.0.0.1:1080' }, { url: 'socks5://x:y@127.0.0.1:1080' }],
      }),
    );
    expect(duplicates.issues).toEqual([
      { path: 'accounts[1].authKey', message: 'same auth key as accounts[0]' },
      { path: 'proxies[1].url', message: 'same proxy as proxies[0]' },
    ]);
  });

  it('does read an MTProxy listed with its secret, and name a secret that is not one', () => {
    const secret = 'dd0123456789abcdef0123456789abcdef';
    expect(parseWorld({ ...SPEC_EXAMPLE, proxies: [{ url: `mtproxy://${secret}@10.0.0.1:443` }] }).proxies).toEqual([{ url: `mtproxy://${secret}@10.0.0.1:443`, works: true, latencyMs: 0 }]);
    const bad = errorOf(() => parseWorld({ ...SPEC_EXAMPLE, proxies: [{ url: 'mtproxy://abcd@10.0.0.1:443' }] }));
    expect(bad.issues).toEqual([{ path: 'proxies[0].url', message: 'an MTProxy secret is 32 hex digits, or dd and 32 hex digits' }]);
  });

  it('reads what @SpamBot answers each account (free by default), and names a bad value', () => {
    const accounts = ['free', 'limited', 'limited until 2026-12-15', undefined].map((spamBot, i) => ({
      phone: `+1555000010${i}`,
      userId: 7_100_000 + i,
      firstName: 'A',
      code: '12345',
      ...(spamBot === undefined ? {} : { spamBot }),
    }));
    expect(parseWorld({ accounts }).accounts.map((a) => a.spamBot)).toEqual(['free', 'limited', 'limited until 2026-12-15', 'free']);
    const bad = errorOf(() => parseWorld({ accounts: [{ ...accounts[0], spamBot: 'banned' }, { ...accounts[1], spamBot: 'limited until 2026-02-30' }] }));
    expect(bad.issues).toEqual([
      { path: 'accounts[0].spamBot', message: 'expected "free", "limited" or "limited until YYYY-MM-DD"' },
      { path: 'accounts[1].spamBot', message: 'expected a real day in "limited until YYYY-MM-DD"' },
    ]);
  });

  it('reports JSON syntax errors as a WorldFileError', () => {
    expect(errorOf(() => parseWorld('{ nope')).issues[0]?.path).toBe('(root)');
  });
});

describe('loadWorldFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sandbox-world-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and validates a file', async () => {
    const path = join(dir, 'ok.json');
    await writeFile(path, JSON.stringify(SPEC_EXAMPLE));
    expect((await loadWorldFile(path)).accounts[0]?.phone).toBe('+15550000001');
  });

  it('names the file and the field when invalid', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, JSON.stringify({ ...SPEC_EXAMPLE, latencyMs: 'slow' }));
    await expect(loadWorldFile(path)).rejects.toThrow(`invalid world file ${path}: latencyMs: expected number`);
  });

  it('fails with a WorldFileError when the file is missing', async () => {
    await expect(loadWorldFile(join(dir, 'missing.json'))).rejects.toBeInstanceOf(WorldFileError);
  });
});

describe('demoWorld', () => {
  it('holds the chats and accounts the demo needs', () => {
    const world = demoWorld();
    const chat = (id: number) => world.chats.find((c) => c.id === id);
    expect(chat(DEMO_CHATS.big)?.members.count).toBeGreaterThan(world.participantsCap);
    expect(chat(DEMO_CHATS.broadcast)?.kind).toBe('channel');
    expect(chat(DEMO_CHATS.hiddenMembers)).toMatchObject({ membersHidden: true });
    expect(chat(DEMO_CHATS.hiddenMembers)?.messages?.count).toBeGreaterThan(0);
    expect(chat(DEMO_CHATS.inviteOnly)).toMatchObject({ joinRequired: true });
    expect(chat(DEMO_CHATS.inviteOnly)?.username).toBeUndefined();
    expect(chat(DEMO_CHATS.inviteOnly)?.invite).toBeDefined();
    expect(world.timeline.some((t) => t.chat === DEMO_CHATS.bikeMarket && t.everySeconds === 20 && /bike/.test(t.text))).toBe(true);
    expect(world.accounts.filter((a) => a.authorized).length).toBeGreaterThanOrEqual(2);
    expect(world.accounts.some((a) => !a.authorized && a.password !== undefined)).toBe(true);
  });

  it('returns a fresh copy each time', () => {
    const a = demoWorld();
    a.chats.pop();
    expect(demoWorld().chats.length).toBe(a.chats.length + 1);
  });
});
