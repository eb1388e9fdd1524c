import bigInt from 'big-integer';
import { Api, type TelegramClient } from 'telegram';
import { NewMessage, type NewMessageEvent } from 'telegram/events/index.js';
import { OperationFailure } from '../errors.js';
import type { Engine } from '../engine.js';
import type { RunnerDefinition } from '../types.js';
import { parseSpamBotAnswer } from './spam-bot-answer.js';

/** Who asked for a check: an admin's /check, or the daily round. */
export interface CheckParams {
  readonly trigger: 'admin' | 'daily';
}

/** @SpamBot's verdict as stored in an operation's result (JSON: the end of a limit in epoch ms). */
export type CheckVerdict =
  | { readonly kind: 'free' }
  | { readonly kind: 'limited'; readonly until: number | null }
  | { readonly kind: 'unrecognised'; readonly text: string };

/** A finished check: the session is alive (a dead one fails the operation as `dead`), and what @SpamBot said. */
export interface CheckResult {
  readonly alive: true;
  readonly verdict: CheckVerdict;
}

export interface CheckOptions {
  /**
   * How long to wait for @SpamBot's answer to /start, in ms.
   * @default 30000
   */
  readonly answerTimeoutMs?: number;
}

/** The bot's username; the account resolves it as a person's client does when they open the chat. */
const SPAM_BOT_USERNAME = 'SpamBot';
/** At most this much of an answer nobody could read is kept in the result, for the admins. */
const UNRECOGNISED_EXCERPT = 200;

/**
 * The account's health check (README.md, "Account checks"): getMe proves the session alive (AUTH_KEY_UNREGISTERED
 * and the like end it as `dead`, through the engine's classifier), then the account asks @SpamBot as a
 * person would: resolve @SpamBot, send it "/start" as a text message — what typing /start or pressing
 * Start in an empty bot chat sends; messages.StartBot is for deep links with a start parameter (TDLib's
 * internalLinkTypeBotStart) — and read the bot's answer when it arrives.
 */
export function checkOperation(reports: Pick<Engine<unknown>, 'recordHealthCheck'>, options: CheckOptions = {}): RunnerDefinition<CheckParams, TelegramClient | undefined, never, CheckResult> {
  const { answerTimeoutMs = 30_000 } = options;
  return {
    kind: 'check',
    type: 'other',
    internal: true,
    // Below sending (1): a check never delays admins' work.
    priority: 0,
    timeoutMs: answerTimeoutMs + 30_000,
    allowOnLimited: true,
    parse: (params) => ({ trigger: (params as Partial<CheckParams> | null)?.trigger === 'daily' ? 'daily' : 'admin' }),
    run: async ({ account, signal }) => {
      const client = account.client;
      if (!client) throw new OperationFailure({ kind: 'error', message: `Account #${account.id} has no Telegram client.` });
      const [me] = await client.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] }));
      if (!(me instanceof Api.User)) throw new OperationFailure({ kind: 'dead', message: 'Telegram no longer returns this account.' });
      reports.recordHealthCheck(account.id, { telegramUserId: me.id.toJSNumber(), username: me.username ?? null, firstName: me.firstName ?? null });
      signal.throwIfAborted();
      const bot = await resolveSpamBot(client);
      const text = await askSpamBot(client, bot, signal, answerTimeoutMs);
      return { alive: true, verdict: toVerdict(text) };
    },
  };
}

function toVerdict(text: string): CheckVerdict {
  const reading = parseSpamBotAnswer(text);
  switch (reading.kind) {
    case 'free':
      return { kind: 'free' };
    case 'limited':
      return { kind: 'limited', until: reading.until?.getTime() ?? null };
    case 'unrecognised':
      return { kind: 'unrecognised', text: text.length > UNRECOGNISED_EXCERPT ? `${text.slice(0, UNRECOGNISED_EXCERPT)}…` : text };
  }
}

async function resolveSpamBot(client: TelegramClient): Promise<Api.User> {
  const resolved = await client.invoke(new Api.contacts.ResolveUsername({ username: SPAM_BOT_USERNAME }));
  const peer = resolved.peer;
  const user = peer instanceof Api.PeerUser ? resolved.users.find((u): u is Api.User => u instanceof Api.User && u.id.equals(peer.userId)) : undefined;
  if (!user?.bot) throw new OperationFailure({ kind: 'error', message: '@SpamBot is not a bot on this Telegram.' });
  return user;
}

/** Sends /start and resolves with the bot's first answer after it; the answer is awaited, never slept for. */
async function askSpamBot(client: TelegramClient, bot: Api.User, signal: AbortSignal, timeoutMs: number): Promise<string> {
  const peer = new Api.InputPeerUser({ userId: bot.id, accessHash: bot.accessHash ?? bigInt(0) });
  // Listening starts before the send: the answer may arrive before the send's own answer does.
  const arrived: Api.Message[] = [];
  let notify: (() => void) | undefined;
  const event = new NewMessage({});
  const handler = (update: NewMessageEvent) => {
    const message = update.message;
    if (message.out || !(message.peerId instanceof Api.PeerUser) || !message.peerId.userId.equals(bot.id)) return;
    arrived.push(message);
    notify?.();
  };
  client.addEventHandler(handler, event);
  try {
    const sent = await client.invoke(new Api.messages.SendMessage({ peer, message: '/start', randomId: bigInt(String(Math.floor(Math.random() * Number.MAX_SAFE_INTEGER))) }));
    const sentId = sentMessageId(sent);
    const answerOf = (messages: readonly Api.Message[]) => messages.find((m) => sentId === null || m.id > sentId)?.message;
    const pushed = await new Promise<string | undefined>((resolve, reject) => {
      const done = (value: string | undefined) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        notify = undefined;
        resolve(value);
      };
      const onAbort = () => {
        clearTimeout(timer);
        notify = undefined;
        reject(signal.reason as Error);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      notify = () => {
        const text = answerOf(arrived);
        if (text !== undefined) done(text);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      notify();
    });
    if (pushed !== undefined) return pushed;
    // No update came (a dropped push): the chat's history has the answer if the bot gave one.
    const history = await client.invoke(new Api.messages.GetHistory({ peer, limit: 5, offsetId: 0, offsetDate: 0, addOffset: 0, maxId: 0, minId: sentId ?? 0, hash: bigInt(0) }));
    const incoming = 'messages' in history ? history.messages.filter((m): m is Api.Message => m instanceof Api.Message && !m.out).reverse() : [];
    const text = answerOf(incoming);
    if (text !== undefined) return text;
    throw new OperationFailure({ kind: 'transient', message: `@SpamBot did not answer within ${Math.round(timeoutMs / 1000)} s.` });
  } finally {
    client.removeEventHandler(handler, event);
  }
}

function sentMessageId(updates: Api.TypeUpdates): number | null {
  if (updates instanceof Api.UpdateShortSentMessage) return updates.id;
  if (updates instanceof Api.Updates || updates instanceof Api.UpdatesCombined) {
    for (const update of updates.updates) if (update instanceof Api.UpdateMessageID) return update.id;
  }
  return null;
}
