import { describe, expect, it } from 'vitest';
import { COMMANDS, registerCommands } from '../../src/bot/commands.js';

function fakeApi(refuse: Set<number>) {
  const calls: string[] = [];
  return {
    calls,
    api: {
      async setMyCommands(_commands: unknown, other?: { scope?: { type: string; chat_id?: number | string } }) {
        const scope = other?.scope;
        if (scope?.type === 'chat' && refuse.has(Number(scope.chat_id))) throw new Error('Bad Request: chat not found');
        calls.push(scope ? `set:${scope.type}:${scope.chat_id}` : 'set:default');
        return true as const;
      },
      async deleteMyCommands() {
        calls.push('delete:default');
        return true as const;
      },
    },
  };
}

describe('registerCommands', () => {
  it('shows the menu in the admins’ chats only', async () => {
    const { api, calls } = fakeApi(new Set());
    await registerCommands(api as never, [1, 2]);
    expect(calls).toEqual(['set:chat:1', 'set:chat:2', 'delete:default']);
    expect(COMMANDS.length).toBeGreaterThan(10);
  });

  it('falls back to everyone when an admin has never opened the bot', async () => {
    const { api, calls } = fakeApi(new Set([2]));
    await registerCommands(api as never, [1, 2]);
    expect(calls).toEqual(['set:chat:1', 'set:default']);
  });
});
