import type { ConversationFlavor } from '@grammyjs/conversations';
import type { Context } from 'grammy';

/** What the panel adds to grammY's context. */
export interface PanelFlavor {
  /**
   * Sets how the current command ended, in a few words (`submitted #12`, `refused: bad cron`); the audit
   * row of the update gets it.
   */
  setOutcome(outcome: string): void;
}

/**
 * The context every feature sees. `ctx.conversation` (enter or leave a conversation) is there on
 * messages only: conversations read messages, so button presses and edits never wait behind them.
 */
export type BotContext = ConversationFlavor<Context & PanelFlavor>;
