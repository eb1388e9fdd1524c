import type { ConversationData, VersionedStateStorage, VersionedState } from '@grammyjs/conversations';
import { afterEach, describe, expect, it } from 'vitest';
import { conversationStorage } from '../../../src/bot/conversations/storage.js';
import { createDatabase, type DatabaseHandle } from '../../../src/db/client.js';
import { createKvRepository } from '../../../src/db/repositories/kv.js';
import { createSessionCipher } from '../../../src/db/session-crypto.js';
import { silentLogger } from '../../engine/harness.js';

let db: DatabaseHandle | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
});

const STATE: VersionedState<ConversationData> = {
  version: [0, 1],
  state: { addaccount: [{ args: '[{}]', interrupts: [3], replay: { send: [], receive: [{ update: { message: { text: 'the password' } } }] } as never }] },
};

function adapterOf(storage: ReturnType<typeof conversationStorage>): VersionedStateStorage<string, ConversationData> {
  if (storage.type !== 'key') throw new Error('expected a key storage');
  return storage.adapter;
}

describe('conversationStorage', () => {
  it('stores the state per chat in the kv table, sealed, and reads it back', async () => {
    db = createDatabase(':memory:');
    const kv = createKvRepository(db);
    const storage = conversationStorage({ kv, cipher: createSessionCipher('sixteen-chars-or-more', { scryptCost: 1024 }), logger: silentLogger() });
    expect(storage).toMatchObject({ type: 'key', version: 1 });
    const adapter = adapterOf(storage);
    await adapter.write('4242', STATE);
    const raw = (await kv.get('conversation:4242')) ?? '';
    expect(raw).toMatch(/^\{"sealed":"v1:/);
    expect(raw).not.toContain('the password');
    expect(await adapter.read('4242')).toEqual(STATE);
    expect(await adapter.read('4243')).toBeUndefined();
    await adapter.delete('4242');
    expect(await kv.get('conversation:4242')).toBeUndefined();
  });

  it('drops a row sealed with another secret', async () => {
    db = createDatabase(':memory:');
    const kv = createKvRepository(db);
    const options = { scryptCost: 1024 };
    await adapterOf(conversationStorage({ kv, cipher: createSessionCipher('the-first-secret-key', options), logger: silentLogger() })).write('1', STATE);
    const other = adapterOf(conversationStorage({ kv, cipher: createSessionCipher('the-second-secret-key', options), logger: silentLogger() }));
    expect(await other.read('1')).toBeUndefined();
    expect(await kv.get('conversation:1')).toBeUndefined();
  });

  it('lets an abandoned conversation expire', async () => {
    db = createDatabase(':memory:');
    let now = 1_000_000;
    const kv = createKvRepository(db, { now: () => now });
    const adapter = adapterOf(conversationStorage({ kv, cipher: createSessionCipher('sixteen-chars-or-more', { scryptCost: 1024 }), logger: silentLogger(), ttlMs: 60_000 }));
    await adapter.write('7', STATE);
    now += 59_999;
    expect(await adapter.read('7')).toEqual(STATE);
    now += 1;
    expect(await adapter.read('7')).toBeUndefined();
  });
});
