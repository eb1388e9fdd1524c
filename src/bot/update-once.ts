import type { Api, Context, MiddlewareFn } from 'grammy';
import type { Logger } from 'pino';
import { readCommand } from './audit.js';
import type { Clock } from '../clock.js';
import type { HandledUpdates } from './handled-updates.js';

const HOUR_MS = 3_600_000;

export interface UpdateOnceOptions {
  readonly store: HandledUpdates;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Whose chats may be told that their command was cut short: nobody else learns the panel restarted. */
  readonly adminIds: readonly number[];
  /**
   * How long handled update ids are kept, in ms. Telegram keeps an unconfirmed update 24 hours at most
   * (https://core.telegram.org/bots/api#getupdates) and may restart its ids at random after a week
   * without updates (https://core.telegram.org/bots/api#update): keep them longer than the one and
   * well under the other.
   * @default 48 hours
   */
  readonly keepMs?: number;
}

/** What the update asked for, in a word: never its text, which may hold a login code or a session. */
export function actionOf(ctx: Context): string {
  const command = readCommand(ctx);
  if (command) return `/${command.command}`;
  if (ctx.callbackQuery) return 'a button press';
  if (ctx.myChatMember) return 'a membership change';
  if (ctx.message?.document) return 'a document';
  return 'a message';
}

/**
 * Handles every update at most once, across restarts too: the first middleware of the bot.
 *
 * Telegram delivers an update again until a getUpdates `offset` above its id confirms it.
 * @grammyjs/runner confirms a batch when it asks for the next one, usually while the batch is still
 * being handled, but not always: when that request fails or the process dies first, the whole batch
 * comes again at the next start.
 *
 * The window between "handled" and "recorded" is closed by recording first: the update id is
 * claimed (an insert, committed) before any handler runs, and a claimed id that
 * comes again is skipped. Nothing a handler does can happen before its claim is stored, so no command
 * runs twice (two /scrape submissions cost Telegram requests and risk the accounts). The price is the
 * other window: a crash in the middle of a handler leaves a claim that was never finished. Such an
 * update is not run again either (it may have submitted work or sent messages already); at the next
 * start `reportInterrupted` tells the admin which command was cut short, so they can check /ops and
 * send it again. A graceful stop waits for handlers (see run.ts), so only a real crash gets there.
 */
export function updateOnce(options: UpdateOnceOptions): MiddlewareFn<Context> {
  const { store, clock, logger } = options;
  const keepMs = options.keepMs ?? 48 * HOUR_MS;
  const admins = new Set(options.adminIds);
  let prunedAt = Number.NEGATIVE_INFINITY;

  // Claims of one chat are made one after the other, in the order the updates came: a claim is a database round trip
  // now, and the handlers after this one (a conversation's sequentialize) must still see a chat's updates in order.
  const tails = new Map<string, Promise<unknown>>();
  const inChatOrder = <T>(key: string, body: () => Promise<T>): Promise<T> => {
    const mine = (tails.get(key) ?? Promise.resolve()).then(body);
    const tail = mine.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return mine;
  };

  return async (ctx, next) => {
    const updateId = ctx.update.update_id;
    let claimed: boolean;
    try {
      claimed = await inChatOrder(String(ctx.chat?.id ?? ''), async () => {
        const now = clock.now();
        if (now - prunedAt >= HOUR_MS) {
          prunedAt = now;
          await store.prune(now - keepMs);
        }
        const tellable = ctx.from !== undefined && admins.has(ctx.from.id) && ctx.chat !== undefined;
        return store.claim({ updateId, chatId: tellable ? (ctx.chat?.id ?? null) : null, action: actionOf(ctx) }, now);
      });
    } catch (error) {
      // Without its database the panel cannot tell a redelivery; an admin's command still deserves an answer.
      logger.error({ err: error, updateId }, 'could not record a handled update; handling it anyway');
      await next();
      return;
    }
    if (!claimed) {
      logger.info({ updateId }, 'Telegram delivered an update again that was handled before (the panel stopped before confirming it); skipping it');
      return;
    }
    try {
      await next();
    } finally {
      try {
        await store.finish(updateId, clock.now());
      } catch (error) {
        logger.warn({ err: error, updateId }, 'could not mark an update handled');
      }
    }
  };
}

/**
 * Tells the admins about updates a crash cut short (claimed, never finished) and marks them finished,
 * so a redelivery of them stays skipped and nobody is told twice. Run at start, before polling.
 */
export async function reportInterrupted(options: { store: HandledUpdates; api: Pick<Api, 'sendMessage'>; clock: Clock; logger: Logger }): Promise<number> {
  const { store, api, clock, logger } = options;
  const cut = await store.unfinished();
  for (const update of cut) {
    await store.finish(update.updateId, clock.now());
    logger.warn({ updateId: update.updateId, action: update.action }, 'an update was cut short by a restart; it is not run again');
    if (update.chatId === null) continue;
    const what = update.action?.startsWith('/') ? `your ${update.action}` : (update.action ?? 'your last message');
    await api
      .sendMessage(update.chatId, `⚠️ The panel restarted while it was handling ${what}, so it may have been done only in part. Check /ops before sending it again.`)
      .catch((error: unknown) => logger.warn({ err: error, chatId: update.chatId }, 'could not tell a chat about an interrupted update'));
  }
  return cut.length;
}
