import { Api, type TelegramClient } from 'telegram';
import { NewMessage, type NewMessageEvent } from 'telegram/events/index.js';
import type { MemberStoreLike } from '../../db/repositories/member-store.js';
import type { MonitorsRepository } from '../../db/repositories/monitors.js';
import { OperationFailure } from '../errors.js';
import type { MonitorHit, RunnerDefinition } from '../types.js';
import { joinChat, lookupsOf, rememberChat, resolveTarget, type ResolvedChat } from './chats.js';
import { messagesSince, newestMessageId, type CaughtUp } from './monitor-catch-up.js';
import { LastSeenWriter } from './monitor-last-seen.js';
import { parseTarget } from './targets.js';

export interface MonitorParams {
  readonly target: string;
  readonly keywords: readonly string[];
  /** The monitor row to arm; created by the operation when absent. */
  readonly monitorId?: number | null;
  readonly createdBy?: number | null;
  readonly reportChatId?: number | null;
}

export interface MonitorResult {
  readonly monitorId: number;
  readonly chatId: number;
  readonly title: string;
  readonly joined: boolean;
}

/** A compiled keyword: what matched is reported as `label`. */
interface Matcher {
  readonly label: string;
  readonly test: (text: string) => boolean;
}

const REGEX = /^\/(.+)\/([a-z]*)$/;
const MAX_KEYWORDS = 50;
const MAX_KEYWORD_LENGTH = 200;

/** Case-insensitive whole words, or `/regex/flags`. Throws with a plain message on a bad one. */
export function compileKeywords(keywords: readonly string[]): Matcher[] {
  return keywords.map((keyword) => {
    const regex = REGEX.exec(keyword);
    if (regex) {
      const flags = new Set([...(regex[2] ?? ''), 'i', 'u']);
      for (const flag of flags) if (!'imsu'.includes(flag)) throw new Error(`Unsupported regex flag "${flag}" in ${keyword}.`);
      let pattern: RegExp;
      try {
        pattern = new RegExp(regex[1] ?? '', [...flags].join(''));
      } catch (error) {
        throw new Error(`${keyword} is not a valid regular expression: ${(error as Error).message}`);
      }
      return { label: keyword, test: (text) => pattern.test(text) };
    }
    const escaped = keyword.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const word = new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, 'iu');
    return { label: keyword, test: (text) => word.test(text) };
  });
}

export function parseMonitorParams(params: unknown): MonitorParams {
  const p = (params ?? {}) as Partial<Record<keyof MonitorParams, unknown>>;
  if (typeof p.target !== 'string') throw new Error('Name a chat to watch: @username, a t.me link or an invite link.');
  const parsed = parseTarget(p.target);
  if (!parsed.ok) throw new Error(parsed.message);
  if (!Array.isArray(p.keywords) || p.keywords.length === 0) throw new Error('Give at least one keyword to watch for.');
  if (p.keywords.length > MAX_KEYWORDS) throw new Error(`At most ${MAX_KEYWORDS} keywords per monitor.`);
  const keywords = p.keywords.map((k) => {
    if (typeof k !== 'string' || k.trim().length === 0) throw new Error('Keywords must be words or /regex/.');
    if (k.length > MAX_KEYWORD_LENGTH) throw new Error(`A keyword may be at most ${MAX_KEYWORD_LENGTH} characters.`);
    return k.trim();
  });
  compileKeywords(keywords);
  const id = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : null);
  return { target: p.target.trim(), keywords, monitorId: id(p.monitorId), createdBy: id(p.createdBy), reportChatId: id(p.reportChatId) };
}

export interface MonitorOptions {
  readonly members: Pick<MemberStoreLike, 'findChat' | 'upsertChat'>;
  readonly monitors: MonitorsRepository;
  readonly onHit: (hit: MonitorHit) => void;
  /**
   * A hit that could not be stored (the database unreachable): it is not reported, and the watch goes on.
   * @default undefined (dropped silently)
   */
  readonly onError?: (monitorId: number, error: unknown) => void;
  /**
   * Most messages a watch armed again reads back (the newest ones since the last message its monitor saw), in pages of
   * 100 (messages.getHistory's limit): docs/several-processes.md, "Monitors".
   * @default 1000
   */
  readonly catchUpLimit?: number;
  /**
   * Least time between two writes of the last message a watch saw (and once more when it ends).
   * @default 5000
   */
  readonly lastSeenWriteMs?: number;
  /** A catch-up that reached its limit: the older messages were not read. @default undefined */
  readonly onCapped?: (monitorId: number, sinceId: number, limit: number) => void;
  /** @default Date.now */
  readonly now?: () => number;
}

/** The watches a monitor runner keeps in memory: only the process that armed one can end it. */
export interface MonitorWatches {
  /** Ends the monitor's watch here at once and marks it stopped; false when it was not active. */
  stop(monitorId: number): Promise<boolean>;
  /** Ends the monitor's watch here, leaving its row as it is (it was stopped elsewhere); false when none ran here. */
  abort(monitorId: number): boolean;
  /** Ends every watch of one account here, leaving the rows as they are; the ids of the monitors whose watch ended. */
  abortOn(accountId: number): number[];
}

/**
 * Starts a keyword watch: resolves and (if needed) joins the chat, then leaves a background task on the
 * account (R5) that listens to new messages until the monitor is stopped or the account goes away.
 */
export function monitorOperation(
  options: MonitorOptions,
): RunnerDefinition<MonitorParams, TelegramClient | undefined, { monitorId: number }, MonitorResult> & MonitorWatches {
  const { members, monitors, onHit, onError, onCapped, catchUpLimit = 1000, lastSeenWriteMs = 5000, now = Date.now } = options;
  const watches = new Map<number, { readonly controller: AbortController; readonly accountId: number }>();
  return {
    kind: 'monitor',
    type: 'monitoring',
    parse: parseMonitorParams,
    async stop(monitorId) {
      // The watch first: no hit of this monitor is reported once it was asked to stop.
      watches.get(monitorId)?.controller.abort();
      return monitors.stop(monitorId, now());
    },
    abort(monitorId) {
      const watch = watches.get(monitorId);
      watch?.controller.abort();
      return watch !== undefined;
    },
    abortOn(accountId) {
      const ended = [...watches].filter(([, watch]) => watch.accountId === accountId).map(([id]) => id);
      for (const id of ended) watches.get(id)?.controller.abort();
      return ended;
    },
    budget: (params) => {
      const target = parseTarget(params.target);
      return { resolve: target.ok ? lookupsOf(target.target) : 0, join: 1 };
    },
    run: async ({ params, account, signal, checkpoint, operationId, spawn, budget }) => {
      const client = account.client;
      if (!client) throw new OperationFailure({ kind: 'error', message: `Account #${account.id} has no Telegram client.` });
      const target = parseTarget(params.target);
      if (!target.ok) throw new OperationFailure({ kind: 'invalid', message: target.message });
      let monitorId = params.monitorId ?? checkpoint.get()?.monitorId ?? null;
      if (monitorId === null) {
        const row = await monitors.create(
          { target: params.target, keywords: params.keywords, accountId: account.id, createdBy: params.createdBy ?? null, reportChatId: params.reportChatId ?? null, operationId },
          now(),
        );
        monitorId = row.id;
        checkpoint.save({ monitorId });
      }
      const row = await monitors.get(monitorId);
      if (!row || !row.active) throw new OperationFailure({ kind: 'cancelled', message: `Monitor #${monitorId} was stopped.` });
      const resolution = await resolveTarget(client, target.target, members, signal, budget);
      const { chat, alreadyMember } = await joinChat(client, resolution, signal, budget);
      await rememberChat(members, chat);
      /*
       * Where the watch catches up from: the last message its monitor saw, if that was in this chat. Ids of a basic
       * group are the account's own (one message box per user; a supergroup or channel numbers its messages itself:
       * https://core.telegram.org/api/updates, "Message-related event sequences"), so they carry over to the same
       * account only. Otherwise the watch starts from the chat's newest message.
       */
      const carried = row.chatId === chat.id && (chat.kind !== 'group' || row.accountId === account.id);
      const sinceId = carried ? row.lastMessageId : null;
      await monitors.update(monitorId, { chatId: chat.id, accountId: account.id, operationId, ...(sinceId === null && row.lastMessageId !== null ? { lastMessageId: null } : {}) });
      const matchers = compileKeywords(row.keywords);
      const id = monitorId;
      watches.get(id)?.controller.abort();
      const own = new AbortController();
      const entry = { controller: own, accountId: account.id };
      watches.set(id, entry);
      const failed = (error: unknown) => onError?.(id, error);
      spawn(`monitor #${id} on ${chat.title}`, 'monitoring', (taskSignal) => {
        const signal = AbortSignal.any([taskSignal, own.signal]);
        const lastSeen = new LastSeenWriter(async (messageId) => void (await monitors.advance(id, messageId)), failed, lastSeenWriteMs, now);
        const catchUp = async (): Promise<CatchUp> => {
          if (sinceId === null) return { messages: [], top: await newestMessageId(client, chat.peer) };
          const caught = await messagesSince(client, chat.peer, sinceId, catchUpLimit, signal);
          if (caught.capped) onCapped?.(id, sinceId, catchUpLimit);
          return caught;
        };
        return watch(client, chat, matchers, signal, catchUp, lastSeen, async (message, keyword) => {
          const senderId = message.senderId ? Number(message.senderId.toString()) : null;
          const at = message.date ? message.date * 1000 : now();
          const text = message.message ?? '';
          const outcome = await monitors.recordHit({ monitorId: id, chatId: chat.id, messageId: message.id, senderId, text, keyword, at });
          if (own.signal.aborted) return;
          if (outcome === 'stopped') {
            // Stopped elsewhere (a panel of a fleet whose stop did not reach us): the row is the record.
            own.abort();
            return;
          }
          if (outcome === 'seen') return;
          const sender = message.sender instanceof Api.User ? [message.sender.firstName, message.sender.lastName].filter(Boolean).join(' ') || null : null;
          onHit({
            monitorId: id,
            accountId: account.id,
            chatId: chat.id,
            chatTitle: chat.title,
            chatUsername: chat.username,
            messageId: message.id,
            senderId,
            senderName: sender,
            text,
            keyword,
            at,
          });
        }, failed).finally(() => {
          if (watches.get(id) === entry) watches.delete(id);
        });
      });
      return { monitorId: id, chatId: chat.id, title: chat.title, joined: !alreadyMember };
    },
  };
}

/** What a watch reads back before it listens: messages oldest first, and the newest id read. */
type CatchUp = Pick<CaughtUp, 'messages' | 'top'>;

/**
 * Listens to a chat's new messages until aborted, after the ones `catchUp` read back (older, so matched first). Every
 * message looked at is noted in `lastSeen`, after its hit (if any) was handled: a message whose hit a watch ended
 * before storing is read again by the next one.
 */
function watch(
  client: TelegramClient,
  chat: ResolvedChat,
  matchers: readonly Matcher[],
  signal: AbortSignal,
  catchUp: () => Promise<CatchUp>,
  lastSeen: LastSeenWriter,
  hit: (message: Api.Message, keyword: string) => Promise<void>,
  failed: (error: unknown) => void,
): Promise<void> {
  // A watch whose read back failed (a flood wait, a dropped connection) notes no progress: the next one reads back
  // from the same message, and the messages this one alerted meanwhile are told apart by the hits' unique index.
  let noting = true;
  const look = async (message: Api.Message): Promise<void> => {
    // A watch ended (handed over, stopped) leaves the message to the next one's catch-up.
    if (signal.aborted) return;
    const text = message.message ?? '';
    const matched = matchers.find((m) => m.test(text));
    if (matched) await hit(message, matched.label).catch(failed);
    if (noting) lastSeen.seen(message.id);
  };
  // Hits are stored in the order the messages came: each waits for the one before it, the caught-up ones first. The
  // handler is on before the history is read, so a message posted meanwhile is in one or the other (or both: the
  // hits' unique index tells).
  let pending: Promise<void> = catchUp().then(
    async ({ messages, top }) => {
      for (const message of messages) await look(message);
      // Past the cap, or service messages: read means looked at, a later arm does not read them back.
      if (!signal.aborted) lastSeen.seen(top);
    },
    (error: unknown) => {
      noting = false;
      if (!signal.aborted) failed(error);
    },
  );
  return new Promise<void>((resolve) => {
    const event = new NewMessage({});
    const handler = (update: NewMessageEvent) => {
      const message = update.message;
      const peer = message.peerId;
      const chatId = peer instanceof Api.PeerChannel ? peer.channelId : peer instanceof Api.PeerChat ? peer.chatId : null;
      if (chatId === null || chatId.toJSNumber() !== chat.id) return;
      pending = pending.then(() => look(message));
    };
    client.addEventHandler(handler, event);
    const stop = () => {
      client.removeEventHandler(handler, event);
      // What was looked at is written before the watch counts as ended.
      void pending.then(() => lastSeen.close()).then(resolve);
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
}
