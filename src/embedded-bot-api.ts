import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createBotApiServer, type BotApiServer } from './sandbox/bot-api/index.js';

/** The bot the embedded Bot API server plays. */
export const SANDBOX_BOT = { id: 5_000_000_001, username: 'switchboard_sandbox_bot', first_name: 'Switchboard' } as const;

/**
 * In sandbox mode without BOT_API_ROOT, the bot talks to a local Bot API server of its own, with a private chat open
 * for each admin (docs/sandbox.md). Undefined otherwise: the bot uses BOT_API_ROOT or Telegram's.
 */
export async function startEmbeddedBotApi(config: Config, logger: Logger): Promise<{ readonly server: BotApiServer; readonly url: string } | undefined> {
  if (config.telegram.mode !== 'sandbox' || config.bot.apiRoot) return undefined;
  const server = createBotApiServer({ token: config.bot.token, bot: SANDBOX_BOT, logger: logger.child({ module: 'bot-api' }) });
  for (const id of config.bot.adminIds) server.openChat({ id, first_name: id === config.bot.adminIds[0] ? 'Admin' : `Admin ${id}` });
  const { url } = await server.start();
  return { server, url };
}
