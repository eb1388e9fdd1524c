import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { BotApiServer, BotChatMessage, BotMessageEvent, ChatUser } from './bot-api/index.js';
import { scanQrCode } from './qr-scan.js';
import type { LoginTokenScan } from './wire/connection.js';

export interface ChatPromptOptions {
  readonly server: BotApiServer;
  /** Who types: the first admin. */
  readonly user: ChatUser;
  /**
   * Folder where documents and photos the bot sends are saved.
   * @default './downloads'
   */
  readonly downloads?: string;
  /** @default process.stdin */
  readonly input?: Readable;
  /** @default process.stdout */
  readonly output?: Writable;
  /** Called when the user presses Ctrl-C or Ctrl-D in the prompt. */
  readonly onExit?: () => void;
  /**
   * The simulated Telegram's scan of a QR login code by an account's phone (SandboxEndpoint.acceptLoginToken):
   * `!scan PHONE` reads the QR code of the latest photo the bot sent and hands it there.
   * @default undefined (no `!scan`)
   */
  readonly scan?: (phone: string, token: string) => Promise<LoginTokenScan>;
}

export interface ChatPrompt {
  /** Stops reading and printing. */
  close(): void;
}

const HELP = [
  'Type as the admin: /help lists the commands.',
  'Buttons under a message show as [1] [2] …: type the number to press one (of the latest message with buttons),',
  'or "3@12" to press button 3 of message #12. "!send FILE.txt" uploads a text file (for /bulk). "!help" shows this.',
  '"!scan +15550000004" scans the latest QR login code with the phone of that account (as Settings → Devices → Link Desktop Device).',
].join('\n');

/** Telegram's refusals of a scan, in words (core.telegram.org/method/auth.acceptLoginToken). */
const SCAN_ERRORS: Record<string, string> = {
  AUTH_TOKEN_EXPIRED: 'that code has expired; scan the new one',
  AUTH_TOKEN_INVALIDX: 'that code is no longer valid (a newer one replaced it, or it was used)',
  AUTH_TOKEN_ALREADY_ACCEPTED: 'that code was scanned already',
  PHONE_NUMBER_INVALID: 'the world has no account with that phone',
};

/**
 * A terminal chat with the bot through the local Bot API server: you type as the first admin, the bot's
 * messages and edits print as they come, inline buttons are numbered choices, files land in a folder.
 */
export function startChatPrompt(options: ChatPromptOptions): ChatPrompt {
  const { server, user, downloads = './downloads', input = process.stdin, output = process.stdout } = options;
  const folder = resolve(downloads);
  const print = (text: string) => output.write(`${text}\n`);
  const buttons = new Map<number, Array<{ text: string; data: string }>>();
  let lastWithButtons: number | undefined;
  /** The latest photo the bot sent, for `!scan`. */
  let lastPhoto: Buffer | undefined;

  const render = (event: BotMessageEvent) => {
    const m = event.message;
    if (m.chatId !== user.id || m.sender !== 'bot') return;
    if (event.kind === 'deleted') {
      print(`  (bot deleted message #${m.messageId})`);
      buttons.delete(m.messageId);
      return;
    }
    const head = event.kind === 'edited' ? `bot ✎ #${m.messageId}` : `bot #${m.messageId}`;
    const body = m.text ?? m.caption ?? '';
    print(`\n${head}: ${body.replace(/\n/g, '\n    ')}`);
    const file = saveAttachment(m);
    if (file) print(`    📎 saved to ${file}`);
    const rows = m.replyMarkup?.inline_keyboard ?? [];
    const flat = rows.flat().flatMap((b) => ('callback_data' in b && b.callback_data ? [{ text: b.text, data: b.callback_data }] : []));
    if (flat.length > 0) {
      buttons.set(m.messageId, flat);
      lastWithButtons = m.messageId;
      print(`    ${flat.map((b, i) => `[${i + 1}] ${b.text}`).join('  ')}`);
    } else if (buttons.delete(m.messageId) && lastWithButtons === m.messageId) {
      lastWithButtons = undefined;
    }
    prompt.prompt(true);
  };

  const saveAttachment = (m: BotChatMessage): string | undefined => {
    const fileId = m.document?.file_id ?? m.photo?.at(-1)?.file_id;
    if (!fileId) return undefined;
    const stored = server.files.get(fileId);
    if (!stored) return undefined;
    if (stored.kind === 'photo') lastPhoto = stored.bytes;
    mkdirSync(folder, { recursive: true });
    const name = basename(stored.fileName ?? `${stored.kind}-${m.messageId}${stored.kind === 'photo' ? '.png' : ''}`);
    const path = join(folder, `${m.messageId}-${name}`);
    writeFileSync(path, stored.bytes);
    return path;
  };

  const press = async (messageId: number, index: number) => {
    const choice = buttons.get(messageId)?.[index - 1];
    if (!choice) {
      print(`  no button ${index} on message #${messageId}`);
      return;
    }
    print(`  ▶ ${choice.text}`);
    const answer = await server.userPresses(user, messageId, choice.data).catch((error: Error) => `(${error.message})`);
    if (answer) print(`  ⓘ ${answer}`);
  };

  const scan = async (phone: string) => {
    if (!options.scan) return print('  !scan works in sandbox mode only');
    const text = lastPhoto ? await scanQrCode(lastPhoto) : undefined;
    // The token is a secret: never printed.
    if (text === undefined) return print('  no QR code to scan: the latest photo from the bot holds none');
    const result = await options.scan(phone, text).catch((error: Error) => ({ ok: false as const, error: error.message }));
    print(result.ok ? `  📷 ${result.phone} scanned the QR code` : `  cannot scan: ${SCAN_ERRORS[result.error] ?? result.error}`);
  };

  const prompt: Interface = createInterface({ input, output, prompt: 'you> ', terminal: (input as { isTTY?: boolean }).isTTY ?? false });
  const unsubscribe = server.onBotMessage(render);
  let closing = false;
  // On a terminal, readline swallows Ctrl-C: hand it (and Ctrl-D) to the owner.
  prompt.on('SIGINT', () => options.onExit?.());
  prompt.on('close', () => {
    if (!closing) options.onExit?.();
  });
  prompt.on('line', (line) => {
    const text = line.trim();
    void (async () => {
      if (text === '') return;
      if (text === '!help') print(HELP);
      else if (/^\d+(@\d+)?$/.test(text)) {
        const [index, message] = text.split('@').map(Number);
        const target = message ?? lastWithButtons;
        if (target === undefined) print('  no message with buttons yet');
        else await press(target, index ?? 0);
      } else if (text.startsWith('!scan ')) {
        await scan(text.slice(6).trim());
      } else if (text.startsWith('!send ')) {
        const path = text.slice(6).trim();
        try {
          server.userSendsDocument(user, { file_name: basename(path), mime_type: 'text/plain', bytes: readFileSync(path) });
        } catch (error) {
          print(`  cannot send ${path}: ${(error as Error).message}`);
        }
      } else server.userSends(user, text);
      prompt.prompt(true);
    })();
  });
  print(`\nChatting with the panel as ${user.first_name} (id ${user.id}). Files the bot sends go to ${folder}.\n${HELP}`);
  prompt.prompt();
  return {
    close() {
      closing = true;
      unsubscribe();
      prompt.close();
    },
  };
}
