import type { Context, MiddlewareFn } from 'grammy';
import type { Logger } from 'pino';
import type { AuditRepository } from '../db/repositories/audit.js';
import { redactText } from '../logger.js';
import type { Clock } from '../clock.js';
import type { BotContext } from './context.js';

/** Commands whose arguments carry a secret after the first word: only that word is recorded, if it is a phone. */
const SECRET_AFTER_FIRST_WORD = new Set(['addaccount']);
/** Commands whose arguments are all secret (/import's session strings or tdata passcode): none is recorded. */
const SECRET_ARGS = new Set(['import']);
const MAX_ARGS = 500;

/** The command at the start of a message (`/scrape@bot args` → `scrape`, `args`), if any. */
export function readCommand(ctx: Pick<Context, 'message' | 'editedMessage'>): { command: string; args: string } | undefined {
  const message = ctx.message ?? ctx.editedMessage;
  if (!message) return undefined;
  const text = message.text ?? message.caption;
  const entities = message.entities ?? message.caption_entities ?? [];
  const entity = entities.find((e) => e.type === 'bot_command' && e.offset === 0);
  if (!text || !entity) return undefined;
  const command = text.slice(1, entity.length).split('@')[0]?.toLowerCase() ?? '';
  return { command, args: text.slice(entity.length).trim() };
}

/** What a phone number can look like; a first word that is anything else may be the secret itself. */
const PHONE_LIKE = /^[+\d()-]{1,24}$/;

/** A proxy's password (`//user:password@`) and an MTProxy `secret=`: the rest of a /proxy command is kept. */
export function redactProxySecrets(text: string): string {
  // Up to the last @ of the word: a password may hold an @ that was not %-escaped.
  return text.replace(/(\/\/[^\s:@/]*):\S*@/g, '$1:•••@').replace(/(secret=)[^\s&]*/gi, '$1•••');
}

function redactArgs(command: string, args: string): string {
  if (command === 'proxy') return redactProxySecrets(args).slice(0, MAX_ARGS);
  if (SECRET_ARGS.has(command)) return args === '' ? '' : '[redacted]';
  if (SECRET_AFTER_FIRST_WORD.has(command)) {
    const [first = '', ...rest] = args.split(/\s+/);
    const kept = first === '' || PHONE_LIKE.test(first) ? first : '[redacted]';
    return rest.length > 0 ? `${kept} [redacted]` : kept;
  }
  return args.length > MAX_ARGS ? `${args.slice(0, MAX_ARGS)}…` : args;
}

/** The action of an update that is not a command, when its handler recorded an outcome. */
function otherAction(ctx: BotContext): string | undefined {
  if (ctx.callbackQuery?.data !== undefined) return `button ${ctx.callbackQuery.data.slice(0, 64)}`;
  if (ctx.message?.document) return 'document';
  // A conversation's answer, say: its text is never recorded, it may be a code or a password.
  if (ctx.message) return 'message';
  return undefined;
}

/**
 * Installs `ctx.setOutcome` and writes one audit row per command (admins' and strangers'), and one per
 * button press, document or plain message (a conversation's answer) whose handler recorded an outcome.
 * Runs first, so refusals are audited too.
 */
export function auditTrail(options: { audit: AuditRepository; clock: Clock; logger: Logger }): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    let outcome: string | undefined;
    ctx.setOutcome = (text) => {
      outcome = text;
    };
    const command = readCommand(ctx);
    let failed: unknown;
    try {
      await next();
    } catch (error) {
      failed = error;
      throw error;
    } finally {
      const action = command ? command.command : otherAction(ctx);
      const worthRecording = command !== undefined || outcome !== undefined;
      if (action && worthRecording) {
        try {
          await options.audit.record({
            userId: ctx.from?.id ?? null,
            chatId: ctx.chat?.id ?? null,
            action,
            args: command ? redactArgs(command.command, command.args) : (ctx.message?.document?.file_name ?? null),
            outcome: failed !== undefined ? redactText(`error: ${(failed as Error).message ?? String(failed)}`).slice(0, 300) : (outcome ?? 'ok'),
            at: options.clock.now(),
          });
        } catch (error) {
          options.logger.warn({ err: error }, 'could not write an audit row');
        }
      }
    }
  };
}
