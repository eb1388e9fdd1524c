import type { ConversationData, ConversationStorage, VersionedState } from '@grammyjs/conversations';
import type { Context } from 'grammy';
import type { Logger } from 'pino';
import type { KvRepository } from '../../db/repositories/kv.js';
import type { SessionCipher } from '../../db/session-crypto.js';

/**
 * Bump when a conversation changes the order of its waits or outside calls: stored replays of the old
 * code are then dropped instead of replayed wrongly.
 */
export const CONVERSATION_STATE_VERSION = 1;

/** Long enough that a late answer is still told its conversation timed out; abandoned ones then vanish. */
const DEFAULT_TTL_MS = 7 * 24 * 3_600_000;
const KEY_PREFIX = 'conversation:';

export interface ConversationStorageOptions {
  readonly kv: KvRepository;
  /** Seals the stored state: it holds the admin's answers, login codes and two-step passwords among them. */
  readonly cipher: SessionCipher;
  readonly logger: Logger;
  /**
   * How long the state of a conversation nobody answers stays stored, in ms.
   * @default 604800000 (7 days)
   */
  readonly ttlMs?: number;
}

interface SealedState {
  readonly sealed: string;
}

/**
 * Conversation state in the database (the kv table, one row per chat), encrypted, so a restart in the middle
 * of a conversation carries on from the stored replay.
 */
export function conversationStorage(options: ConversationStorageOptions): ConversationStorage<Context, ConversationData> {
  const { cipher, logger } = options;
  const rows = options.kv.jsonAdapter<SealedState>(KEY_PREFIX, options.ttlMs ?? DEFAULT_TTL_MS);
  return {
    type: 'key',
    version: CONVERSATION_STATE_VERSION,
    getStorageKey: (ctx) => (ctx.chatId === undefined ? undefined : String(ctx.chatId)),
    adapter: {
      async read(key) {
        const row = await rows.read(key);
        if (row === undefined) return undefined;
        let plain: string;
        try {
          plain = cipher.decrypt(row.sealed);
        } catch (error) {
          // Another SESSION_SECRET or a damaged row: the conversation is lost, the chat is not stuck.
          logger.warn({ err: error, chatId: key }, 'a stored conversation cannot be decrypted; dropping it');
          await rows.delete(key);
          return undefined;
        }
        try {
          return JSON.parse(plain) as VersionedState<ConversationData>;
        } catch {
          // JSON.parse quotes the text it choked on, and the text may hold a password: log no error.
          logger.warn({ chatId: key }, 'a stored conversation is not valid JSON; dropping it');
          await rows.delete(key);
          return undefined;
        }
      },
      write(key, state) {
        return rows.write(key, { sealed: cipher.encrypt(JSON.stringify(state)) });
      },
      delete(key) {
        return rows.delete(key);
      },
    },
  };
}
