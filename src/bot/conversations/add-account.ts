import type { Context } from 'grammy';
import type { FeatureDeps } from '../deps.js';
import { addAccountWithSession } from '../features/accounts.js';
import { accountName } from '../format.js';
import type { AccountLogin, LoginStep } from '../ports.js';
import { Dialog, MAX_TRIES, type DialogOptions, type PanelConversation } from './dialog.js';
import { showQrLogin } from './qr-login-view.js';

export interface AddAccountArgs {
  /** The phone given with the command (`/addaccount +15551234567`), or `qr`; asked for when absent. */
  readonly phone?: string;
}

function phonePrompt(qr: boolean): string {
  return [
    'Which account? Send its phone number in the international form, like +15551234567.',
    '',
    'If you have a session string for it, paste the phone and the session on one line instead: +15551234567 SESSION_STRING (I delete that message as soon as I have read it).',
    ...(qr ? ['', 'To log in by scanning a QR code with the phone of the account instead, send qr.'] : []),
    '',
    '/cancel stops.',
  ].join('\n');
}

const QR_WAITING =
  'I am waiting for the QR code above to be scanned: open Telegram on the phone of that account → Settings → Devices → Link Desktop Device. /cancel stops.';

/** A session string is one long word; no part of a phone number is that long. */
const SESSION_WORD = /^\S{20,}$/;

const holdsSession = (text: string): boolean => text.trim().split(/\s+/).some((word) => SESSION_WORD.test(word));

/** `+15551234567 SESSION` → both parts; undefined when the answer is a phone alone. */
function splitSession(text: string): { phone: string; session: string } | undefined {
  const words = text.trim().split(/\s+/);
  const session = words.at(-1);
  if (words.length < 2 || session === undefined || !SESSION_WORD.test(session)) return undefined;
  return { phone: words.slice(0, -1).join(' '), session };
}

function codePrompt(phone: string, via: string): string {
  return [
    `I sent a login code to ${phone} through ${via}. Send it here with spaces between the digits, like 1 2 3 4 5: Telegram voids a code that is sent in a chat as it is.`,
    '',
    'I delete your message as soon as I have read it. /cancel stops.',
  ].join('\n');
}

function passwordPrompt(hint: string | null): string {
  return [
    `This account has a two-step verification password. Send it here${hint ? ` (hint: ${hint})` : ''}.`,
    '',
    'I delete your message as soon as I have read it. /cancel stops.',
  ].join('\n');
}

/** What is being asked: the phone, or the code or password of a started login, or the scan of a QR code. */
type Stage =
  | { readonly kind: 'phone' }
  | { readonly kind: 'code'; readonly loginId: string }
  | { readonly kind: 'password'; readonly loginId: string }
  | { readonly kind: 'qr'; readonly loginId: string };

/**
 * /addaccount as a conversation: phone (or phone and session string) → login code → two-step password.
 * Codes, passwords and session strings are deleted from the chat as soon as they are read. A wrong
 * answer that the login service says may be retried is asked again, at most MAX_TRIES times.
 */
export function addAccountConversation(deps: FeatureDeps, dialog: Omit<DialogOptions, 'command'>) {
  const { engine, logger } = deps;

  /** Calls the login service, turning a throw into a failed step: a conversation stores plain values only. */
  const call = async (login: AccountLogin, task: (login: AccountLogin) => Promise<LoginStep>): Promise<LoginStep> => {
    try {
      return await task(login);
    } catch (error) {
      logger.error({ err: error }, 'the login service failed');
      return { kind: 'failed', message: 'The login failed on the panel’s side; it was logged. Start again with /addaccount.', retry: false };
    }
  };

  return async function addAccount(conversation: PanelConversation, ctx: Context, args: AddAccountArgs = {}): Promise<void> {
    const login = deps.login;
    if (login === undefined) return;
    const talk = new Dialog(conversation, ctx, { ...dialog, command: '/addaccount' });
    const { qr, qrState } = login;
    const qrLogin = qr && qrState ? { start: qr.bind(login), state: qrState.bind(login) } : undefined;
    let stage: Stage = { kind: 'phone' };
    let phone = args.phone;
    /** The phone the login was started for, as the admin wrote it. */
    let loggingIn = '';
    let prompt = phonePrompt(qrLogin !== undefined);
    let tries = 0;

    /**
     * While the QR code is up, an answer is the two-step password once the login asks for it (every answer
     * is deleted: it may be the password); before that it is told to scan. A login that ended by itself
     * (added, failed, timed out) ends the conversation quietly.
     */
    const scanned = async (loginId: string, qrs: NonNullable<typeof qrLogin>): Promise<LoginStep | 'over' | 'waiting'> => {
      const text = await talk.ask(null, { secret: true, settled: async () => (await qrs.state(loginId)) === 'ended' });
      const state = await talk.run(() => qrs.state(loginId));
      if (state === 'ended') return 'over';
      if (state === 'scanning') {
        await talk.say(QR_WAITING);
        return 'waiting';
      }
      stage = { kind: 'password', loginId };
      tries = 0;
      return talk.run(() => call(login, (l) => l.password(loginId, text)));
    };

    /** Asks what `current` needs and hands the answer on: to the login service, or, for a pasted session, to the engine. */
    const answer = async (current: Stage): Promise<LoginStep | 'pasted' | 'refused' | 'over' | 'waiting'> => {
      if (current.kind === 'qr') return qrLogin ? scanned(current.loginId, qrLogin) : 'over';
      if (current.kind === 'code') {
        const code = await talk.ask(prompt, { secret: true });
        return talk.run(() => call(login, (l) => l.code(current.loginId, code)));
      }
      if (current.kind === 'password') {
        const password = await talk.ask(prompt, { secret: true });
        return talk.run(() => call(login, (l) => l.password(current.loginId, password)));
      }
      let number = phone;
      // A retry asks for the phone again.
      phone = undefined;
      if (number === undefined) {
        const text = await talk.ask(prompt, { secret: holdsSession });
        const pasted = splitSession(text);
        if (pasted !== undefined) {
          const added = await talk.run((outside) => addAccountWithSession(outside, engine, pasted.phone, pasted.session));
          return added ? 'pasted' : 'refused';
        }
        if (holdsSession(text)) {
          // Never hand it on as a phone: the refusal would quote the session string back into the chat.
          await talk.say('That looks like a session string without its phone number. Send the phone first, then the session, on one line: +15551234567 SESSION_STRING.');
          return 'refused';
        }
        number = text.trim();
      }
      if (qrLogin && /^qr$/i.test(number.trim())) {
        const chatId = talk.chatId;
        return talk.run((outside) =>
          call(login, () => showQrLogin({ api: outside.api, chatId, start: qrLogin.start, passwordPrompt, logger })),
        );
      }
      const started = number;
      loggingIn = started;
      return talk.run(() => call(login, (l) => l.start(started)));
    };

    for (;;) {
      const step = await answer(stage);
      tries += 1;
      if (step === 'pasted' || step === 'over') return;
      if (step === 'waiting') continue;
      if (step === 'refused') {
        // The refusal was answered already, in plain words.
        if (tries >= MAX_TRIES) return talk.leave('That was the last try; start again with /addaccount.', { outcome: 'refused: too many tries' });
        prompt = 'Send the phone number, or the phone and the session string on one line. /cancel stops.';
        continue;
      }
      switch (step.kind) {
        case 'done':
          talk.onLeave(undefined);
          await talk.say(`✅ Account ${accountName(step.account)} added.`, { outcome: `added account #${step.account.id}` });
          return;
        case 'code_sent': {
          const { loginId } = step;
          talk.onLeave(() => login.cancel(loginId));
          stage = { kind: 'code', loginId };
          prompt = codePrompt(loggingIn, step.via);
          tries = 0;
          break;
        }
        case 'qr': {
          const { loginId } = step;
          talk.onLeave(() => login.cancel(loginId));
          stage = { kind: 'qr', loginId };
          tries = 0;
          break;
        }
        case 'password_needed': {
          const { loginId } = step;
          talk.onLeave(() => login.cancel(loginId));
          stage = { kind: 'password', loginId };
          prompt = passwordPrompt(step.hint);
          tries = 0;
          break;
        }
        case 'failed':
          if (!step.retry) return talk.leave(`❌ ${step.message}`, { outcome: `refused: ${step.message}` });
          if (tries >= MAX_TRIES) return talk.leave(`❌ ${step.message}\n\nThat was the last try; start again with /addaccount.`, { outcome: 'refused: too many tries' });
          prompt = `${step.message}\n\n${stage.kind === 'phone' ? 'Send the phone number again' : 'Try again'}, or /cancel to stop.`;
          break;
      }
    }
  };
}
