import type { AccountLogin, LoginStep } from '../../../src/bot/ports.js';
import type { Engine } from '../../../src/engine/index.js';

export interface FakeLoginOptions {
  /** The login code Telegram "sent". */
  readonly code?: string;
  /** Set: the account has a two-step password. */
  readonly password?: string;
  readonly hint?: string | null;
}

/** A login service that behaves like the engine's, without GramJS: it adds the account to the engine when done. */
export function fakeLogin(engine: Pick<Engine, 'addAccount'>, options: FakeLoginOptions = {}) {
  const { code = '12345', password, hint = null } = options;
  const calls: Array<[string, ...string[]]> = [];
  const pending = new Map<string, { phone: string; stage: 'code' | 'password' }>();
  let next = 0;

  const finish = async (loginId: string, phone: string): Promise<LoginStep> => {
    pending.delete(loginId);
    const result = await engine.addAccount({ phone });
    return result.kind === 'ok' ? { kind: 'done', account: result.account } : { kind: 'failed', message: result.message, retry: false };
  };

  const login: AccountLogin = {
    async start(phone) {
      calls.push(['start', phone]);
      const e164 = phone.replace(/[\s()-]/g, '');
      if (!/^\+?[1-9]\d{4,15}$/.test(e164)) return { kind: 'failed', message: `"${phone}" is not a phone number: use the international form, like +15551234567.`, retry: true };
      next += 1;
      const loginId = `login-${next}`;
      pending.set(loginId, { phone: e164.startsWith('+') ? e164 : `+${e164}`, stage: 'code' });
      return { kind: 'code_sent', loginId, via: 'the Telegram app' };
    },
    async code(loginId, text) {
      calls.push(['code', loginId, text]);
      const login = pending.get(loginId);
      if (!login || login.stage !== 'code') return { kind: 'failed', message: 'This login has expired: start again.', retry: false };
      if (text.replace(/\D/g, '') !== code) return { kind: 'failed', message: 'The code is wrong.', retry: true };
      if (password === undefined) return finish(loginId, login.phone);
      login.stage = 'password';
      return { kind: 'password_needed', loginId, hint };
    },
    async password(loginId, text) {
      calls.push(['password', loginId, text]);
      const login = pending.get(loginId);
      if (!login || login.stage !== 'password') return { kind: 'failed', message: 'This login has expired: start again.', retry: false };
      if (text !== password) return { kind: 'failed', message: 'The password is wrong.', retry: true };
      return finish(loginId, login.phone);
    },
    async cancel(loginId) {
      calls.push(['cancel', loginId]);
      pending.delete(loginId);
    },
  };
  return { login, calls, pending };
}
