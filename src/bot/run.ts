import { run, type RunnerHandle } from '@grammyjs/runner';
import type { SwitchboardBot } from './switchboard-bot.js';

export interface Polling {
  /** Stops fetching updates, waits for handlers in flight, then stops the panel's services. */
  stop(): Promise<void>;
  readonly runner: RunnerHandle;
}

/**
 * Starts the bot for real: getMe, the panel's services (command menu, bulk groups, schedules), then
 * long polling with @grammyjs/runner, which handles updates concurrently.
 */
export async function startPolling(bot: SwitchboardBot): Promise<Polling> {
  await bot.init();
  await bot.panel.start();
  // my_chat_member: the bot is added to or removed from a group (see group-chats.ts).
  const runner = run(bot, { runner: { fetch: { allowed_updates: ['message', 'edited_message', 'callback_query', 'my_chat_member'] } } });
  return {
    runner,
    async stop() {
      if (runner.isRunning()) await runner.stop();
      // Updates still being handled (e.g. a conversation writing its state) finish first, within 5 s.
      for (let waited = 0; runner.size() > 0 && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      await bot.panel.stop();
    },
  };
}
