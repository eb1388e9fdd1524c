import type { Transformer } from 'grammy';
import type { Message, Update, UserFromGetMe } from 'grammy/types';
import { loadConfig, type Config } from '../../src/config.js';
import { createBot, type CreateBotOptions, type SwitchboardBot } from '../../src/bot/index.js';
import type { MonitorControl } from '../../src/bot/ports.js';
import type { Engine, RunContext, RunnerDefinition } from '../../src/engine/index.js';
import { createHarness, silentLogger, type Harness } from '../engine/harness.js';

export const ADMIN = 4242;
export const STRANGER = 666;

export const BOT_INFO: UserFromGetMe = {
  id: 9000,
  is_bot: true,
  first_name: 'Switchboard',
  username: 'switchboard_test_bot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
};

/** One Bot API call the bot made, with its payload (files already read into `files`). */
export interface ApiCall {
  readonly method: string;
  readonly payload: Record<string, unknown>;
  /** Contents of InputFile fields, by field name. */
  readonly files: Record<string, { filename: string | undefined; bytes: Buffer }>;
}

async function readInputFile(file: { toRaw(): Promise<unknown>; filename?: string }): Promise<Buffer> {
  const raw = await file.toRaw();
  if (raw instanceof Uint8Array) return Buffer.from(raw);
  const chunks: Uint8Array[] = [];
  for await (const chunk of raw as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A controllable runner: each run waits until the test finishes it. */
export interface ControlledRun {
  readonly ctx: RunContext;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

export function controlledRunner(kind: string, type: RunnerDefinition['type']) {
  const runs = new Map<number, ControlledRun>();
  const waiting = new Map<number, Array<(run: ControlledRun) => void>>();
  const definition: RunnerDefinition = {
    kind,
    type,
    run: (ctx) =>
      new Promise((resolve, reject) => {
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
        const run = { ctx, resolve, reject };
        runs.set(ctx.operationId, run);
        for (const notify of waiting.get(ctx.operationId) ?? []) notify(run);
        waiting.delete(ctx.operationId);
      }),
  };
  return {
    definition,
    runs,
    /** Resolves when operation `id` has started running. */
    started(id: number): Promise<ControlledRun> {
      const run = runs.get(id);
      if (run) return Promise.resolve(run);
      return new Promise((resolve) => waiting.set(id, [...(waiting.get(id) ?? []), resolve]));
    },
  };
}

export interface BotHarnessOptions {
  readonly accounts?: number;
  readonly register?: (engine: Engine) => void;
  readonly bot?: Partial<CreateBotOptions>;
  readonly env?: Record<string, string>;
  /** Answers for methods the fake Bot API should not just accept. */
  readonly answer?: (method: string, payload: Record<string, unknown>) => unknown;
  readonly engineHarness?: Harness;
}

export interface BotHarness extends Harness {
  readonly bot: SwitchboardBot;
  readonly config: Config;
  readonly calls: ApiCall[];
  readonly stopped: Array<number>;
  /** Sends a text message from `from` (the admin by default) in their private chat; resolves to its message id. */
  send(text: string, options?: { from?: number; chatId?: number; document?: Message['document']; caption?: string }): Promise<number>;
  /** Presses an inline button with `data` on message `messageId`. */
  press(data: string, options?: { from?: number; messageId?: number; text?: string; markup?: unknown }): Promise<void>;
  /** Calls of one method. */
  of(method: string): ApiCall[];
  /** Texts the bot sent with sendMessage. */
  texts(): string[];
  clear(): void;
  close(): Promise<void>;
}

let updateId = 1;

/** A real engine on :memory:, a real bot, and a fake Bot API that records every call. */
export async function createBotHarness(options: BotHarnessOptions = {}): Promise<BotHarness> {
  const harness = options.engineHarness ?? (await createHarness(options.accounts ?? 2, { ...(options.register ? { register: options.register } : {}) }));
  const config = loadConfig({ ADMIN_IDS: String(ADMIN), ...options.env });
  const stopped: number[] = [];
  const monitors: MonitorControl = {
    stopMonitor: (id) => {
      stopped.push(id);
      return harness.db.sqlite.prepare('UPDATE monitors SET active = 0 WHERE id = ? AND active = 1').run(id).changes > 0;
    },
  };
  const bot = createBot({
    config,
    logger: silentLogger(),
    engine: harness.engine,
    db: harness.db,
    monitors,
    botInfo: BOT_INFO,
    autoRetry: false,
    ...options.bot,
  });
  const calls: ApiCall[] = [];
  let messageId = 100;
  const transformer: Transformer = async (_prev, method, payload) => {
    const body = { ...(payload as Record<string, unknown>) };
    const files: ApiCall['files'] = {};
    for (const [key, value] of Object.entries(body)) {
      if (value && typeof value === 'object' && 'toRaw' in value) {
        const file = value as { toRaw(): Promise<unknown>; filename?: string };
        files[key] = { filename: file.filename, bytes: await readInputFile(file) };
      }
    }
    calls.push({ method, payload: body, files });
    const custom = options.answer?.(method, body);
    if (custom !== undefined) return custom as never;
    const chat = { id: Number(body.chat_id ?? ADMIN), type: 'private' as const, first_name: 'Admin' };
    switch (method) {
      case 'sendMessage':
      case 'sendDocument':
      case 'sendPhoto':
        messageId += 1;
        return { ok: true, result: { message_id: messageId, date: 1, chat, text: body.text } } as never;
      case 'getFile':
        return { ok: true, result: { file_id: 'f', file_unique_id: 'u', file_path: 'documents/list.txt' } } as never;
      case 'getChat':
        return { ok: true, result: chat } as never;
      default:
        return { ok: true, result: true } as never;
    }
  };
  bot.api.config.use(transformer);

  const send: BotHarness['send'] = async (text, o = {}) => {
    const from = o.from ?? ADMIN;
    const chatId = o.chatId ?? from;
    const message: Record<string, unknown> = {
      message_id: updateId,
      date: Math.floor(Date.now() / 1000),
      chat: chatId > 0 ? { id: chatId, type: 'private', first_name: 'User' } : { id: chatId, type: 'supergroup', title: 'Group' },
      from: { id: from, is_bot: false, first_name: 'User' },
    };
    const command = /^\/[a-z_]+(@\w+)?/i.exec(text);
    if (o.document) {
      message.document = o.document;
      if (o.caption !== undefined) {
        message.caption = o.caption;
        const c = /^\/[a-z_]+(@\w+)?/i.exec(o.caption);
        if (c) message.caption_entities = [{ type: 'bot_command', offset: 0, length: c[0].length }];
      }
    } else {
      message.text = text;
      if (command) message.entities = [{ type: 'bot_command', offset: 0, length: command[0].length }];
    }
    const id = message.message_id as number;
    await bot.handleUpdate({ update_id: updateId++, message } as unknown as Update);
    return id;
  };

  const press: BotHarness['press'] = async (data, o = {}) => {
    const from = o.from ?? ADMIN;
    const message = {
      message_id: o.messageId ?? 1,
      date: 1,
      chat: { id: from, type: 'private', first_name: 'User' },
      from: { id: BOT_INFO.id, is_bot: true, first_name: 'Switchboard' },
      text: o.text ?? 'old screen',
      ...(o.markup ? { reply_markup: o.markup } : {}),
    };
    await bot.handleUpdate({
      update_id: updateId++,
      callback_query: { id: String(updateId), from: { id: from, is_bot: false, first_name: 'User' }, chat_instance: 'c', data, message },
    } as unknown as Update);
  };

  return {
    ...harness,
    bot,
    config,
    calls,
    stopped,
    send,
    press,
    of: (method) => calls.filter((c) => c.method === method),
    texts: () => calls.filter((c) => c.method === 'sendMessage').map((c) => String(c.payload.text)),
    clear: () => void calls.splice(0),
    async close() {
      await bot.panel.stop();
      await harness.engine.stop();
      harness.db.close();
    },
  };
}

/** Lets pending promise callbacks run (engine dispatch, fake API answers). */
export async function flush(times = 5): Promise<void> {
  for (let i = 0; i < times; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}
