import type { BotChatMessage, BotMessageEvent, ChatStore } from './chat-store.js';
import { BotApiServerStoppedError, WaitForTimeoutError } from './errors.js';

/** Chooses the bot message (new or edited) a `waitFor` call waits for. */
export type BotMessagePredicate = (message: BotChatMessage, event: BotMessageEvent) => boolean;

export interface BotMessageWaits {
  /**
   * Resolves with the first bot message sent or edited from now on that matches; rejects with
   * `WaitForTimeoutError` (listing what the bot did send) after `timeoutMs`.
   */
  waitFor(predicate: BotMessagePredicate, timeoutMs?: number): Promise<BotChatMessage>;
  /** Rejects every open wait with `BotApiServerStoppedError`. */
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const RECENT_KEPT = 10;
const PREVIEW_LENGTH = 160;

export function createBotMessageWaits(chats: ChatStore): BotMessageWaits {
  const recent: string[] = [];
  const open = new Set<(error: Error) => void>();

  chats.onBotMessage((event) => {
    recent.push(describe(event));
    if (recent.length > RECENT_KEPT) recent.shift();
  });

  return {
    waitFor(predicate, timeoutMs = DEFAULT_TIMEOUT_MS) {
      return new Promise((resolve, reject) => {
        const end = (): void => {
          clearTimeout(timer);
          unsubscribe();
          open.delete(fail);
        };
        const fail = (error: Error): void => {
          end();
          reject(error);
        };
        const unsubscribe = chats.onBotMessage((event) => {
          if (event.kind === 'deleted') return;
          let matches: boolean;
          try {
            matches = predicate(event.message, event);
          } catch (error) {
            fail(error instanceof Error ? error : new Error(String(error)));
            return;
          }
          if (!matches) return;
          end();
          resolve(event.message);
        });
        const timer = setTimeout(() => fail(new WaitForTimeoutError(timeoutMs, [...recent])), timeoutMs);
        open.add(fail);
      });
    },
    close() {
      for (const fail of [...open]) fail(new BotApiServerStoppedError());
    },
  };
}

function describe({ kind, message }: BotMessageEvent): string {
  const content = message.text ?? message.caption ?? (message.document ? `[document ${message.document.file_name ?? ''}]` : '[photo]');
  const preview = content.length > PREVIEW_LENGTH ? `${content.slice(0, PREVIEW_LENGTH)}…` : content;
  const buttons = message.replyMarkup ? ` [${message.replyMarkup.inline_keyboard.flat().map((b) => b.text).join(' | ')}]` : '';
  return `${kind} #${message.messageId} in chat ${message.chatId}: ${JSON.stringify(preview)}${buttons}`;
}
