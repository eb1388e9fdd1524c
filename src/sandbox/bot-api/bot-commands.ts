import type { BotCommand, BotCommandScope } from '@grammyjs/types';
import { badRequest } from './errors.js';

/** The bot's command lists, one per scope and language, as setMyCommands leaves them. */
export interface BotCommands {
  set(commands: BotCommand[], scope: BotCommandScope | undefined, languageCode: string | undefined): void;
  get(scope: BotCommandScope | undefined, languageCode: string | undefined): BotCommand[];
  delete(scope: BotCommandScope | undefined, languageCode: string | undefined): void;
  /**
   * The menu a user's Telegram app shows in their private chat with the bot: the first list set of the
   * chat's scope, all private chats, then the default, each in the user's language before none
   * (https://core.telegram.org/bots/api#determining-list-of-commands).
   */
  privateChatMenu(userId: number, languageCode: string | undefined): BotCommand[];
}

const MAX_COMMANDS = 100;

export function createBotCommands(): BotCommands {
  const lists = new Map<string, BotCommand[]>();
  // Fields in a fixed order, so {"chat_id":1,"type":"chat"} and {"type":"chat","chat_id":1} are one scope.
  const key = (scope: BotCommandScope | undefined, languageCode: string | undefined): string => {
    const fields = Object.entries(scope ?? { type: 'default' }).sort(([a], [b]) => a.localeCompare(b));
    return `${JSON.stringify(fields)}|${languageCode ?? ''}`;
  };
  return {
    set: (commands, scope, languageCode) => lists.set(key(scope, languageCode), commands),
    get: (scope, languageCode) => [...(lists.get(key(scope, languageCode)) ?? [])],
    delete: (scope, languageCode) => lists.delete(key(scope, languageCode)),
    privateChatMenu(userId, languageCode) {
      const scopes: BotCommandScope[] = [{ type: 'chat', chat_id: userId }, { type: 'all_private_chats' }, { type: 'default' }];
      for (const scope of scopes) {
        for (const language of languageCode === undefined ? [undefined] : [languageCode, undefined]) {
          const list = lists.get(key(scope, language));
          // An empty list is no list: Telegram treats setMyCommands([]) as deleting the scope's menu.
          if (list !== undefined && list.length > 0) return [...list];
        }
      }
      return [];
    },
  };
}

/** Checks a `commands` parameter with Telegram's rules and error texts. */
export function readBotCommands(value: unknown): BotCommand[] {
  if (!Array.isArray(value)) throw badRequest("can't parse commands JSON object");
  if (value.length > MAX_COMMANDS) throw badRequest('BOT_COMMANDS_TOO_MUCH');
  return value.map((item: unknown) => {
    const entry = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const { command, description } = entry;
    if (typeof command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(command)) throw badRequest('BOT_COMMAND_INVALID');
    if (typeof description !== 'string' || description.trim().length === 0 || description.length > 256) {
      throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
    }
    return { command, description };
  });
}

/** Reads a `scope` parameter; only its shape is checked. */
export function readCommandScope(value: unknown): BotCommandScope | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || typeof (value as { type?: unknown }).type !== 'string') {
    throw badRequest("can't parse BotCommandScope JSON object");
  }
  return value as BotCommandScope;
}
