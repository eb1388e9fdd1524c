import type { TelegramClient } from 'telegram';
import {
  createSandboxClient,
  createWorld,
  parseWorld,
  type SandboxClientOptions,
  type SandboxWorld,
  type SandboxWorldOptions,
  type TraceEntry,
  type WorldInput,
} from '../../src/sandbox/index.js';

export const ALPHA = '+15550000001';
export const BRAVO = '+15550000002';
/** Logged out, code 12345, 2FA password `hunter2`. */
export const CAROL = '+15550000003';
/** Logged out, code 54321, no password. */
export const DAVE = '+15550000004';

/** A small world for tests; `extra` replaces top-level fields. */
export function testWorldInput(extra: Partial<WorldInput> = {}): WorldInput {
  return {
    latencyMs: 0,
    participantsCap: 1000,
    accounts: [
      { phone: ALPHA, userId: 7_000_001, firstName: 'Alpha', code: '11111', authorized: true },
      { phone: BRAVO, userId: 7_000_002, firstName: 'Bravo', code: '22222', authorized: true },
      { phone: CAROL, userId: 7_000_003, firstName: 'Carol', code: '12345', password: 'hunter2', authorized: false },
      { phone: DAVE, userId: 7_000_004, firstName: 'Dave', code: '54321', authorized: false },
    ],
    chats: [
      { id: 2001, kind: 'supergroup', username: 'mediumchat', invite: 'MediumInvite', title: 'Medium chat', members: { from: 1, count: 2500 } },
      { id: 2002, kind: 'channel', username: 'broadcast', title: 'Broadcast', members: { from: 1, count: 5000 } },
      {
        id: 2003,
        kind: 'supergroup',
        username: 'hiddenchat',
        title: 'Hidden',
        members: { from: 3001, count: 800 },
        membersHidden: true,
        admins: [3001, 3005, 3009],
        messages: { count: 300, days: 10, authors: { from: 3001, count: 25 } },
      },
      {
        id: 2004,
        kind: 'supergroup',
        username: 'closedchat',
        invite: 'ClosedInvite',
        title: 'Closed',
        members: { from: 4001, count: 300 },
        joinRequired: true,
        messages: { count: 50, days: 5, authors: { from: 4001, count: 10 } },
      },
      { id: 2005, kind: 'group', invite: 'GroupInvite', title: 'Basic group', members: { from: 5001, count: 40 } },
      { id: 2006, kind: 'supergroup', invite: 'OldInvite', inviteExpired: true, title: 'Expired', members: { from: 6001, count: 10 } },
      { id: 2007, kind: 'supergroup', invite: 'SecretInvite', title: 'Secret', members: { from: 7001, count: 20 } },
    ],
    ...extra,
  };
}

export interface Sandbox {
  readonly world: SandboxWorld;
  readonly trace: TraceEntry[];
  /** A connected client for the account; destroyed by `close()`. */
  connect(phone: string, options?: SandboxClientOptions): Promise<TelegramClient>;
  /** A client not yet connected; destroyed by `close()`. */
  client(phone: string, options?: SandboxClientOptions): Promise<TelegramClient>;
  close(): Promise<void>;
}

export function startSandbox(input: WorldInput = testWorldInput(), options: SandboxWorldOptions = {}): Sandbox {
  const trace: TraceEntry[] = [];
  const world = createWorld(parseWorld(input), { traceEntries: trace, ...options });
  const clients: TelegramClient[] = [];
  const client = async (phone: string, o?: SandboxClientOptions): Promise<TelegramClient> => {
    const c = await createSandboxClient(world, phone, o);
    clients.push(c);
    return c;
  };
  return {
    world,
    trace,
    client,
    async connect(phone, o) {
      const c = await client(phone, o);
      await c.connect();
      return c;
    },
    async close() {
      await Promise.all(clients.map((c) => c.destroy()));
      await world.stop();
    },
  };
}

/** The RPC error a promise rejects with (fails the test when it resolves). */
export async function rpcError(promise: Promise<unknown>): Promise<{ errorMessage: string; code: number; seconds?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as { errorMessage: string; code: number; seconds?: number };
  }
  throw new Error('expected the request to fail');
}
