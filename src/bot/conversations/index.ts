import { conversations, createConversation } from '@grammyjs/conversations';
import { sequentialize } from '@grammyjs/runner';
import { Composer, type Context } from 'grammy';
import type { KvRepository } from '../../db/repositories/kv.js';
import type { SessionCipher } from '../../db/session-crypto.js';
import type { BotContext, PanelFlavor } from '../context.js';
import type { FeatureDeps } from '../deps.js';
import { addAccountConversation } from './add-account.js';
import type { DialogOptions } from './dialog.js';
import { CONVERSATIONS } from './ids.js';
import { scrapeWizard } from './scrape-wizard.js';
import { scheduleAddConversation } from './schedule-add.js';
import { conversationStorage } from './storage.js';

export interface ConversationsOptions {
  readonly deps: FeatureDeps;
  readonly kv: KvRepository;
  /** Seals the stored conversation state (it holds login codes and passwords while they are asked). */
  readonly cipher: SessionCipher;
  /** How long each question waits for its answer, in ms. */
  readonly timeoutMs: number;
}

/**
 * The panel's conversations (/addaccount, /scrape and /schedule add asked one question at a time).
 * Install after the admin filter and before the features, which enter them.
 *
 * Only messages come through here: they are handled one at a time per chat (the runner handles updates
 * concurrently, and a conversation's stored state is read, replayed and written per update), while
 * button presses and edits pass by without waiting for a slow command in the same chat.
 */
export function conversationsFeature(options: ConversationsOptions): Composer<BotContext> {
  const { deps } = options;
  const dialog: Omit<DialogOptions, 'command'> = { clock: deps.clock, logger: deps.logger, timeoutMs: options.timeoutMs };
  const composer = new Composer<BotContext>();
  composer.on(
    'message',
    sequentialize<BotContext>((ctx) => (ctx.chat === undefined ? undefined : String(ctx.chat.id))),
    conversations<Context & PanelFlavor, Context>({ storage: conversationStorage({ kv: options.kv, cipher: options.cipher, logger: deps.logger }) }),
    createConversation(addAccountConversation(deps, dialog), CONVERSATIONS.addAccount),
    createConversation(scrapeWizard(deps, dialog), CONVERSATIONS.scrape),
    createConversation(scheduleAddConversation(deps, dialog), CONVERSATIONS.scheduleAdd),
  );
  return composer;
}

export { CONVERSATIONS } from './ids.js';
export { CANCELLED } from './dialog.js';
