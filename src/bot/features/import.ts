import { Composer, InputFile } from 'grammy';
import type { ImportLine, ImportOutcome } from '../../engine/session-import.js';
import { readDocument, readText, type SessionItem } from '../../sessions/index.js';
import { readCommand } from '../audit.js';
import type { BotContext } from '../context.js';
import type { FeatureDeps } from '../deps.js';
import { truncate } from '../format.js';
import { MessageEditor } from '../message-editor.js';
import { refuse } from '../reply.js';

/**
 * Largest document /import downloads, in bytes: the Bot API hands bots files up to 20 MB (getFile).
 * @default 20 MB
 */
export const MAX_IMPORT_DOCUMENT_BYTES = 20 * 1024 * 1024;
/** Most sessions one import checks. */
export const MAX_IMPORT_SESSIONS = 500;
/** How long `/import` alone waits for documents or strings, in ms. */
export const IMPORT_WINDOW_MS = 10 * 60_000;
/** A final answer longer than this goes out as a .txt document (Telegram's message limit is 4096). */
const MAX_ANSWER_CHARS = 3500;

const PROMPT = [
  'Send the sessions now, within 10 minutes: documents (Telethon or Pyrogram .session files, a .zip of them with their .json sidecars, a zipped Telegram Desktop tdata folder) or session strings (GramJS, Telethon, Pyrogram) pasted as text, one or many.',
  '',
  'Each one is checked with Telegram before it is added. I delete every message holding a session as soon as I have read it.',
  'A tdata folder with a local passcode: send the .zip with the caption /import PASSCODE.',
].join('\n');

export interface ImportFeatureOptions {
  /**
   * Least time between two edits of the progress message, in ms.
   * @default 3000
   */
  readonly intervalMs?: number;
}

/** One answer line per session (README, "Importing sessions"). */
export function outcomeText(outcome: ImportOutcome): string {
  switch (outcome.kind) {
    case 'added':
      return `added as #${outcome.accountId}`;
    case 'present':
      return `already present as #${outcome.accountId}`;
    case 'dead':
      return 'not logged in (the key is dead)';
    case 'unreadable':
      return `unreadable: ${outcome.reason}`;
    case 'failed':
      return `not checked: ${outcome.reason}; nothing was stored, send it again later`;
  }
}

export function summarize(lines: readonly ImportLine[]): string {
  const count = (kind: ImportOutcome['kind']) => lines.filter((l) => l.outcome.kind === kind).length;
  const parts = [
    `${count('added')} added`,
    `${count('present')} already present`,
    `${count('dead')} not logged in`,
    `${count('unreadable')} unreadable`,
    ...(count('failed') > 0 ? [`${count('failed')} not checked`] : []),
  ];
  const icon = count('added') > 0 ? '✅' : '❌';
  return `${icon} Import of ${lines.length} session${lines.length === 1 ? '' : 's'}: ${parts.join(', ')}.`;
}

const lineText = (line: ImportLine) => `${truncate(line.source, 120)}: ${outcomeText(line.outcome)}`;

/**
 * /import: accounts from sessions made by other tools. `/import` alone opens a window for documents and
 * pasted strings; a document with the caption `/import [PASSCODE]` is imported at once. One progress
 * message is edited as the sessions are checked; the answer has one line per session.
 */
export function importFeature(deps: FeatureDeps, options: ImportFeatureOptions = {}): Composer<BotContext> {
  const { services, clock, logger, importer } = deps;
  const composer = new Composer<BotContext>();
  /** Who opened a window, per chat and user: until when, and the tdata passcode given with it. */
  const windows = new Map<string, { until: number; passcode: string }>();
  const key = (ctx: BotContext) => `${ctx.chat?.id ?? 0}:${ctx.from?.id ?? 0}`;
  const open = (ctx: BotContext) => {
    const window = windows.get(key(ctx));
    if (window && window.until > clock.now()) return window;
    windows.delete(key(ctx));
    return undefined;
  };

  /** Deletes the admin's message: it holds a session (or a passcode) and must not stay in the chat. */
  const forget = async (ctx: BotContext) => {
    await ctx.deleteMessage().catch((error: unknown) => logger.warn({ err: error }, 'could not delete a message holding a session'));
  };

  const run = async (ctx: BotContext, items: readonly SessionItem[]) => {
    const chatId = ctx.chat?.id;
    if (chatId === undefined) return;
    if (!importer) return refuse(ctx, 'Importing sessions is not set up on this panel.');
    if (items.length > MAX_IMPORT_SESSIONS) return refuse(ctx, `That holds ${items.length} sessions; one import takes at most ${MAX_IMPORT_SESSIONS}. Nothing was added: split it.`);
    const sessions = items.filter((i) => i.kind === 'session').length;
    const progress = await ctx.reply(`⏳ Checking ${sessions} session${sessions === 1 ? '' : 's'} with Telegram: 0 of ${items.length} done…`);
    const ref = { chatId, messageId: progress.message_id };
    const editor = new MessageEditor({ api: ctx.api, logger, clock, ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }) });
    editor.seed(ref, { text: progress.text });
    try {
      // The last one is left to the answer, which then goes out at once instead of after the edit interval.
      const lines = await importer.importAll(items, (done, total) => {
        if (done < total) editor.update(ref, { text: `⏳ Checking sessions with Telegram: ${done} of ${total} done…` });
      });
      const summary = summarize(lines);
      ctx.setOutcome(summary.slice(2));
      const full = [summary, '', ...lines.map(lineText)].join('\n');
      if (full.length <= MAX_ANSWER_CHARS) {
        editor.update(ref, { text: full }, { final: true });
        await editor.idle(ref);
        return;
      }
      editor.update(ref, { text: `${summary}\nThe answer for each session is in the file below.` }, { final: true });
      await editor.idle(ref);
      await ctx.replyWithDocument(new InputFile(Buffer.from(`${lines.map(lineText).join('\n')}\n`, 'utf8'), 'import-result.txt'), { caption: summary });
    } finally {
      editor.dispose();
    }
  };

  const readDocumentOf = async (ctx: BotContext, passcode: string): Promise<SessionItem[] | undefined> => {
    const doc = ctx.message?.document;
    if (!doc) return undefined;
    const name = truncate(doc.file_name ?? 'the document', 80);
    if (doc.file_size !== undefined && doc.file_size > MAX_IMPORT_DOCUMENT_BYTES) {
      await forget(ctx);
      await refuse(ctx, `${name} is too big (${Math.round(doc.file_size / 1024 / 1024)} MB); send at most 20 MB at a time. Nothing was added.`);
      return undefined;
    }
    let bytes: Uint8Array;
    try {
      const file = await ctx.getFile();
      if (!file.file_path) throw new Error('no file_path');
      bytes = await services.downloadFile(file.file_path);
    } catch (error) {
      logger.warn({ err: error }, 'could not download an /import document');
      await forget(ctx);
      await refuse(ctx, `I could not download ${name}; send it again. Nothing was added.`);
      return undefined;
    }
    await forget(ctx);
    return readDocument(name, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { passcode });
  };

  composer.command('import', async (ctx, next) => {
    if (ctx.message?.document) return next();
    const args = ctx.match.trim();
    if (args !== '') await forget(ctx);
    const pasted = args.split(/\s+/).some((word) => word.length >= 100);
    if (pasted) return run(ctx, readText(args));
    windows.set(key(ctx), { until: clock.now() + IMPORT_WINDOW_MS, passcode: args });
    ctx.setOutcome('waiting for sessions');
    await ctx.reply(PROMPT);
  });

  composer.on('message:document', async (ctx, next) => {
    const command = readCommand(ctx);
    if (command && command.command !== 'import') windows.delete(key(ctx));
    const window = command ? undefined : open(ctx);
    if (command?.command !== 'import' && !window) return next();
    const items = await readDocumentOf(ctx, command ? command.args : (window?.passcode ?? ''));
    if (items) await run(ctx, items);
  });

  composer.on('message:text', async (ctx, next) => {
    const command = readCommand(ctx);
    if (command) {
      // Any other command ends the window: what follows is not meant as a session.
      windows.delete(key(ctx));
      return next();
    }
    if (!open(ctx)) return next();
    await forget(ctx);
    await run(ctx, readText(ctx.message.text));
  });

  return composer;
}
