import { describe, expect, it } from 'vitest';
import type { AccountRow } from '../../../src/db/schema.js';
import { Lane } from '../../../src/engine/lane.js';
import { place } from '../../../src/engine/rules/balancing.js';
import { createHarness } from '../harness.js';

function lane(id: number, patch: Partial<Lane<undefined>> = {}): Lane<undefined> {
  const row = { id, phone: `+1555000000${id}`, label: null, paused: false, health: 'ok', stateReason: null, lastError: null, cooldownUntil: null, telegramUserId: null, username: null, firstName: null, opsTotal: 0, opsFailed: 0, floodWaits: 0, state: 'idle' } as unknown as AccountRow;
  const l = new Lane<undefined>(row, 1000);
  l.connection = 'connected';
  return Object.assign(l, patch);
}
const lanes = (...list: Lane<undefined>[]) => new Map(list.map((l) => [l.id, l]));
const any = { pinned: null, allowMonitoring: true };

describe('place', () => {
  it('picks the least-loaded eligible account and breaks ties at random', () => {
    const busy = lane(1, { reserved: true });
    const a = lane(2);
    const b = lane(3);
    expect(place(lanes(busy, a, b), any, 0, () => 0)).toEqual({ kind: 'lane', lane: a });
    expect(place(lanes(busy, a, b), any, 0, () => 0.99)).toEqual({ kind: 'lane', lane: b });
  });

  it('skips dead, limited, paused, offline and — for scrapes — monitoring accounts', () => {
    const set = lanes(lane(1, { health: 'dead' }), lane(2, { health: 'limited' }), lane(3, { paused: true }), lane(4, { connection: 'disconnected' }), lane(5, { monitors: 1 }));
    expect(place(set, any, 0, () => 0)).toMatchObject({ kind: 'lane', lane: { id: 5 } });
    expect(place(set, { pinned: null, allowMonitoring: false }, 0, () => 0)).toEqual({
      kind: 'fail',
      failure: { kind: 'no_account', message: 'No account can take this operation right now (1 dead, 1 limited, 1 paused, 1 monitoring, 1 offline).' },
    });
  });

  it('waits for the earliest cooldown when every account cools down', () => {
    expect(place(lanes(lane(1, { cooldownUntil: 5000 }), lane(2, { cooldownUntil: 3000 })), any, 1000, () => 0)).toEqual({ kind: 'wait', ms: 2000 });
  });

  it('honours a pin, refusing a removed, dead or monitoring account in plain words', () => {
    const set = lanes(lane(1), lane(2, { health: 'dead', stateReason: 'SESSION_REVOKED' }), lane(3, { monitors: 1 }), lane(4, { cooldownUntil: 9000 }));
    expect(place(set, { pinned: 1, allowMonitoring: true }, 0, () => 0)).toMatchObject({ kind: 'lane', lane: { id: 1 } });
    expect(place(set, { pinned: 9, allowMonitoring: true }, 0, () => 0)).toMatchObject({ kind: 'fail', failure: { kind: 'no_account' } });
    expect(place(set, { pinned: 2, allowMonitoring: true }, 0, () => 0)).toMatchObject({ kind: 'fail', failure: { kind: 'dead', message: 'Account #2 is dead: SESSION_REVOKED.' } });
    expect(place(set, { pinned: 3, allowMonitoring: false }, 0, () => 0)).toMatchObject({ kind: 'fail', failure: { kind: 'invalid' } });
    expect(place(set, { pinned: 4, allowMonitoring: true }, 1000, () => 0)).toEqual({ kind: 'wait', ms: 8000 });
  });

  it('refuses a pinned account in the same words when the work is submitted and when it is placed', async () => {
    const h = await createHarness(1, {
      register: (engine) =>
        engine
          .register({
            kind: 'watch',
            type: 'monitoring',
            run: async ({ spawn }) => {
              spawn('watch', 'monitoring', (signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))));
              return null;
            },
          })
          .register({ kind: 'list', type: 'scraping', run: async () => null }),
    });
    try {
      await h.engine.waitFor((h.engine.submit({ kind: 'watch', accountId: 1 }) as { operation: { id: number } }).operation.id);
      expect(h.engine.getAccount(1)?.monitors).toBe(1);
      const atSubmit = h.engine.submit({ kind: 'list', accountId: 1 });
      const atPlacement = place(lanes(lane(1, { monitors: 1 })), { pinned: 1, allowMonitoring: false }, 0, () => 0);
      expect(atPlacement.kind).toBe('fail');
      const failure = (atPlacement as { failure: { kind: string; message: string } }).failure;
      expect(atSubmit).toEqual({ kind: 'refused', reason: failure.kind, message: failure.message });
      expect(failure.message).toBe('Account #1 is watching chats (monitoring), so it is not used for scraping. Pick another account or leave --account out.');
      expect(h.engine.submit({ kind: 'list', accountId: 7 })).toEqual({ kind: 'refused', reason: 'no_account', message: 'There is no account #7.' });
      expect(place(lanes(), { pinned: 7, allowMonitoring: true }, 0, () => 0)).toEqual({ kind: 'fail', failure: { kind: 'no_account', message: 'There is no account #7.' } });
    } finally {
      await h.engine.stop();
      h.db.close();
    }
  });
});
