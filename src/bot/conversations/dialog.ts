import type { Conversation } from '@grammyjs/conversations';
import type { Context } from 'grammy';
import type { Logger } from 'pino';
import { readCommand } from '../audit.js';
import type { Clock } from '../../clock.js';
import type { BotContext } from '../context.js';
import type { ArgResult } from '../ports.js';

/** A panel conversation: outside, the bot's own context; inside, grammY's plain one. */
export type PanelConversation = Conversation<BotContext, Context>;

export const CANCELLED = 'Cancelled. Nothing was changed.';
/** Wrong answers accepted for one question before the conversation gives up. */
export const MAX_TRIES = 3;

export interface DialogOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long each answer may take, in ms. */
  readonly timeoutMs: number;
  /** The command that starts this conversation, as the admin types it (`/addaccount`). */
  readonly command: string;
}

export interface AskOptions {
  /**
   * The answer holds a secret (a login code, a password, a session string): it is deleted from the chat
   * as soon as it is read. A function decides by the answer's text.
   * @default false
   */
  readonly secret?: boolean | ((text: string) => boolean);
  /**
   * Whether the question was settled elsewhere meanwhile (a QR login that finished by itself): checked
   * when a message comes (after a secret is deleted), and when true the conversation ends quietly, the
   * message going on to the rest of the bot. Runs outside the replay (`run`).
   * @default undefined (never)
   */
  readonly settled?: () => boolean | Promise<boolean>;
}

export interface SayOptions {
  /** Recorded as the outcome of the update in the audit trail. */
  readonly outcome?: string;
}

/**
 * Questions and answers on top of a conversation, with the panel's rules: every wait has a timeout,
 * `/cancel` leaves, another command leaves and then runs, and secrets are deleted once read.
 *
 * Everything with an effect goes through `run` (the conversation's `external`), so a replay — after
 * each answer, or after a restart — repeats none of it. Messages go out through the bot's own Api
 * (auto-retry and every other transformer of the bot apply), not the conversation's private one.
 */
export class Dialog {
  readonly chatId: number;
  readonly userId: number | undefined;
  readonly #conversation: PanelConversation;
  readonly #options: DialogOptions;
  #cleanup: (() => Promise<void>) | undefined;

  constructor(conversation: PanelConversation, first: Context, options: DialogOptions) {
    const chatId = first.chat?.id;
    if (chatId === undefined) throw new Error(`${options.command} was entered from an update without a chat`);
    this.chatId = chatId;
    this.userId = first.from?.id;
    this.#conversation = conversation;
    this.#options = options;
  }

  /** Runs `task` once, outside the replay; its result is stored, so it must be plain JSON. */
  run<T>(task: (outside: BotContext) => T | Promise<T>): Promise<T> {
    return this.#conversation.external((outside) => task(outside));
  }

  /** Sends `text` to the conversation's chat. */
  async say(text: string, options: SayOptions = {}): Promise<void> {
    await this.run(async (outside) => {
      if (options.outcome !== undefined) outside.setOutcome(options.outcome);
      await outside.api.sendMessage(this.chatId, text);
    });
  }

  /** What must be undone when the admin leaves half-way (a started login); `undefined` clears it. */
  onLeave(cleanup: (() => Promise<void>) | undefined): void {
    this.#cleanup = cleanup;
  }

  /**
   * Sends `prompt` (null: it was shown already) and waits for the admin's text answer. Does not return when
   * the admin cancels, runs another command, or answers after the timeout: the conversation then ends here.
   */
  async ask(prompt: string | null, options: AskOptions = {}): Promise<string> {
    if (prompt !== null) await this.say(prompt);
    const askedAt = await this.#now();
    for (;;) {
      const ctx = await this.#conversation.wait();
      const message = ctx.message;
      // Someone else in a group chat is not answering: their message goes on to the rest of the bot.
      if (message === undefined || (this.userId !== undefined && message.from?.id !== this.userId)) {
        return this.#conversation.skip({ next: true });
      }
      const command = readCommand(ctx);
      const text = message.text ?? message.caption;
      if (command === undefined && text !== undefined && isSecret(options.secret, text)) await this.#delete(message.message_id);
      const settled = options.settled;
      if (settled !== undefined && (await this.run(() => settled()))) return this.#conversation.halt({ next: true });
      const bareCancel = command?.command === 'cancel' && command.args === '';
      if ((await this.#now()) - askedAt >= this.#options.timeoutMs) {
        // A command that came late still runs; the notice comes first so the order reads right.
        return this.leave(`That conversation timed out; start again with ${this.#options.command}.`, {
          next: command !== undefined && !bareCancel,
          outcome: `${this.#options.command}: timed out`,
        });
      }
      if (bareCancel) return this.leave(CANCELLED, { outcome: `${this.#options.command}: cancelled` });
      if (command !== undefined) {
        return this.leave(`Left ${this.#options.command}; nothing was changed.`, { next: true, outcome: `${this.#options.command}: left` });
      }
      if (message.text === undefined) {
        await this.say('Send the answer as a text message, or /cancel to stop.');
        continue;
      }
      return message.text;
    }
  }

  /**
   * Asks until `parse` accepts the answer, at most MAX_TRIES times; each refusal is said in plain words.
   * A `parse` with effects (the clock, the Bot API) must use `run` itself.
   */
  async askFor<T>(prompt: string, parse: (text: string) => ArgResult<T> | Promise<ArgResult<T>>): Promise<T> {
    let question = prompt;
    for (let tries = 1; ; tries += 1) {
      const parsed = await parse(await this.ask(question));
      if (parsed.ok) return parsed.value;
      if (tries >= MAX_TRIES) {
        return this.leave(`${parsed.message}\n\nThat was the last try; start again with ${this.#options.command}.`, {
          outcome: `${this.#options.command}: refused: too many tries`,
        });
      }
      question = `${parsed.message}\n\nTry again, or /cancel to stop.`;
    }
  }

  /** Undoes what `onLeave` names, says `text`, and ends the conversation; `next` passes the update on. */
  async leave(text: string, options: { next?: boolean; outcome?: string } = {}): Promise<never> {
    const cleanup = this.#cleanup;
    if (cleanup !== undefined) {
      this.#cleanup = undefined;
      await this.run(async () => {
        await cleanup().catch((error: unknown) => this.#options.logger.warn({ err: error }, 'could not undo a conversation step'));
      });
    }
    await this.say(text, options.outcome !== undefined ? { outcome: options.outcome } : {});
    return this.#conversation.halt({ next: options.next ?? false });
  }

  #now(): Promise<number> {
    return this.run(() => this.#options.clock.now());
  }

  async #delete(messageId: number): Promise<void> {
    await this.run(async (outside) => {
      try {
        await outside.api.deleteMessage(this.chatId, messageId);
      } catch (error) {
        // Older than 48 hours, or a group where the bot may not delete: say so in the log, carry on.
        this.#options.logger.warn({ err: error, chatId: this.chatId }, 'could not delete a message holding a secret');
      }
    });
  }
}

function isSecret(secret: AskOptions['secret'], text: string): boolean {
  return typeof secret === 'function' ? secret(text) : secret === true;
}
