import type { BotCommand, UserFromGetMe } from '@grammyjs/types';
import { readBotCommands, readCommandScope } from '../bot-commands.js';
import type { MethodContext, MethodHandler } from './method-context.js';

export const getMe: MethodHandler = ({ me }): UserFromGetMe => me;

function scopeAndLanguage({ params }: MethodContext) {
  return [readCommandScope(params.json('scope', "can't parse BotCommandScope JSON object")), params.string('language_code')] as const;
}

export const setMyCommands: MethodHandler = (context): true => {
  const commands = readBotCommands(context.params.json('commands', "can't parse commands JSON object"));
  context.commands.set(commands, ...scopeAndLanguage(context));
  return true;
};

export const getMyCommands: MethodHandler = (context): BotCommand[] => context.commands.get(...scopeAndLanguage(context));

export const deleteMyCommands: MethodHandler = (context): true => {
  context.commands.delete(...scopeAndLanguage(context));
  return true;
};
