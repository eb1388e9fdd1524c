import { describe, expect, it } from 'vitest';
import { classifyError } from '../../../src/engine/errors.js';
import { classifyTelegramError } from '../../../src/engine/operations/telegram-errors.js';

const rpc = (errorMessage: string, code = 400, seconds?: number) => Object.assign(new Error(errorMessage), { errorMessage, code, seconds });

describe('Telegram error table', () => {
  it.each([
    ['USERNAME_NOT_OCCUPIED', 'not_found'],
    ['CHANNEL_PRIVATE', 'private'],
    ['INVITE_HASH_EXPIRED', 'invite_expired'],
    ['CHAT_ADMIN_REQUIRED', 'admin_required'],
    ['USER_BANNED_IN_CHANNEL', 'banned'],
    ['CHANNELS_TOO_MUCH', 'too_many_channels'],
    ['INVITE_REQUEST_SENT', 'join_pending'],
  ])('maps %s to %s with a message in plain words', (text, kind) => {
    const failure = classifyTelegramError(rpc(text));
    expect(failure?.kind).toBe(kind);
    expect(failure?.message).not.toContain('_');
  });

  it('leaves flood waits, dead and limited accounts and transient errors to the engine', () => {
    for (const text of ['FLOOD_WAIT_30', 'AUTH_KEY_UNREGISTERED', 'PEER_FLOOD', 'RPC_CALL_FAIL']) expect(classifyTelegramError(rpc(text))).toBeUndefined();
    expect(classifyError(rpc('FLOOD_WAIT_30', 420, 30))).toMatchObject({ kind: 'flood', seconds: 30 });
    expect(classifyError(rpc('AUTH_KEY_UNREGISTERED', 401))).toMatchObject({ kind: 'dead' });
    expect(classifyError(rpc('USER_DEACTIVATED_BAN', 401))).toMatchObject({ kind: 'dead' });
    expect(classifyError(rpc('SESSION_REVOKED', 401))).toMatchObject({ kind: 'dead' });
    expect(classifyError(rpc('PEER_FLOOD'))).toMatchObject({ kind: 'limited' });
    expect(classifyError(rpc('RPC_CALL_FAIL', 500))).toMatchObject({ kind: 'transient' });
    expect(classifyError(rpc('SOMETHING_ODD', 503))).toMatchObject({ kind: 'transient' });
    expect(classifyError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toMatchObject({ kind: 'transient' });
  });
});
