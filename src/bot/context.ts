import type { Context } from 'grammy';

/**
 * What the panel adds to grammY's context. Conversations (/addaccount's phone → code → password) will
 * add `ConversationFlavor` here; features only ever see `BotContext`, so they will not change.
 */
export interface PanelFlavor {
  /**
   * Sets how the current command ended, in a few words (`submitted #12`, `refused: bad cron`); the audit
   * row of the update gets it.
   */
  setOutcome(outcome: string): void;
}

export type BotContext = Context & PanelFlavor;
