import type { MiddlewareFn } from 'grammy';
import type { Logger } from 'pino';
import type { AuditRepository } from '../db/repositories/audit.js';
import { redactText } from '../logger.js';
import type { Clock } from './clock.js';
import type { BotContext } from './context.js';

/** Commands whose arguments carry a secret after the first word: only that word is recorded. */
const SECRET_AFTER_FIRST_WORD = new Set(['addaccount']);
const MAX_ARGS = 500;

/** The command at the start of a message (`/scrape@bot args` → `scrape`, `args`), if any. */
export function readCommand(ctx: BotContext): { command: string; args: string } | undefined {
  const message = ctx.message ?? ctx.editedMessage;
  if (!message) return undefined;
  const text = message.text ?? message.caption;
  const entities = message.entities ?? message.caption_entities ?? [];
  const entity = entities.find((e) => e.type === 'bot_command' && e.offset === 0);
  if (!text || !entity) return undefined;
  const command = text.slice(1, entity.length).split('@')[0]?.toLowerCase() ?? '';
  return { command, args: text.slice(entity.length).trim() };
}

function redactArgs(command: string, args: string): string {
  if (SECRET_AFTER_FIRST_WORD.has(command)) {
    const [first, ...rest] = args.split(/\s+/);
    return rest.length > 0 ? `${first ?? ''} [redacted]` : (first ?? '');
  }
  return args.length > MAX_ARGS ? `${args.slice(0, MAX_ARGS)}…` : args;
}

/**
 * Installs `ctx.setOutcome` and writes one audit row per command (admins' and strangers'), and one per
 * button press or document whose handler recorded an outcome. Runs first, so refusals are audited too.
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
      const action = command ? command.command : ctx.callbackQuery?.data !== undefined ? `button ${ctx.callbackQuery.data.slice(0, 64)}` : ctx.message?.document ? 'document' : undefined;
      const worthRecording = command !== undefined || outcome !== undefined;
      if (action && worthRecording) {
        try {
          options.audit.record({
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
