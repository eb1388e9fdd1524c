import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignIdentity, freshDeviceProfile, nextCredentials } from '../../src/engine/account-identity.js';
import { catalogueProfiles } from '../../src/engine/clients/device-catalogue.js';

const hash = (n: number) => n.toString(16).padStart(32, '0');
const pool = (n: number) => Array.from({ length: n }, (_, i) => ({ apiId: 100 + i, apiHash: hash(i + 1) }));
const known = new Set(catalogueProfiles().map((p) => JSON.stringify(p)));

describe('Unit: account identity', () => {
  it('does hand credentials out in turn: after k accounts, uses differ by at most one and follow the list order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 40 }), (size, accounts) => {
        const credentials = pool(size);
        const inUse: number[] = [];
        for (let i = 0; i < accounts; i += 1) inUse.push(nextCredentials(credentials, inUse)!.apiId);
        // Exactly round robin: account i takes credential i mod size.
        expect(inUse).toEqual(Array.from({ length: accounts }, (_, i) => 100 + (i % size)));
      }),
    );
  });

  it('does give a new account the least-used credential when accounts were removed or came with their own', () => {
    const credentials = pool(3);
    expect(nextCredentials(credentials, [100, 100, 102, 999])).toEqual(credentials[1]);
    expect(nextCredentials(credentials, [101, 102])).toEqual(credentials[0]);
    expect(nextCredentials([], [100])).toBeUndefined();
  });

  it("does let a request's device and credential win over anything assigned", () => {
    fc.assert(
      fc.property(fc.constantFrom(...catalogueProfiles()), fc.integer({ min: 1, max: 2_147_483_647 }), (device, apiId) => {
        const credentials = { apiId, apiHash: hash(7) };
        expect(assignIdentity({ device, credentials }, pool(3), [], Math.random)).toEqual({ device, credentials });
      }),
    );
  });

  it('does draw a catalogue profile and the next credential for a request without its own', () => {
    const assigned = assignIdentity({}, pool(2), [{ apiId: 100, device: null }], Math.random);
    expect(known.has(JSON.stringify(assigned.device))).toBe(true);
    expect(assigned.credentials).toEqual(pool(2)[1]);
    expect(assignIdentity({}, [], [], Math.random).credentials).toBeUndefined();
  });

  it('does draw a profile no account has yet', () => {
    const taken = catalogueProfiles()[0]!;
    // A random source that would draw the taken profile first: the next draw (after the index wraps) is another.
    let calls = 0;
    const random = () => (calls++ < 4 ? 0 : 0.5);
    const profile = freshDeviceProfile([taken], random);
    expect(profile).not.toEqual(taken);
    expect(known.has(JSON.stringify(profile))).toBe(true);
  });
});
