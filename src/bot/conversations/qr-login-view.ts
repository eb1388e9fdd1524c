import { InputFile, type Api } from 'grammy';
import type { Logger } from 'pino';
import { accountName } from '../format.js';
import type { LoginStep, QrEvent } from '../ports.js';
import { qrCodePng } from '../qr-code.js';

export const QR_CAPTION = [
  'Open Telegram on the phone of that account → Settings → Devices → Link Desktop Device, and scan this. It refreshes by itself.',
  '',
  '/cancel stops.',
].join('\n');

export interface QrLoginViewOptions {
  /** The bot's Api: the code is refreshed long after the update that asked for it. */
  readonly api: Api;
  readonly chatId: number;
  /** Starts the QR login (AccountLogin.qr). */
  readonly start: (listener: (event: QrEvent) => void) => Promise<LoginStep>;
  /** The question for the two-step password, with Telegram's hint. */
  readonly passwordPrompt: (hint: string | null) => string;
  readonly logger: Logger;
}

/**
 * Shows a QR login in the chat: each token as a photo of its QR code (a refreshed token is a new photo, and
 * the old one is deleted), then the password question or the outcome, and the photo goes once the code is
 * no longer needed. Resolves with the login's first step, once its first code is in the chat.
 */
export async function showQrLogin(options: QrLoginViewOptions): Promise<LoginStep> {
  const { api, chatId, logger } = options;
  let photo: number | undefined;
  // Events are shown in order, one at a time: a refresh must not overtake the photo it replaces.
  let shown: Promise<void> = Promise.resolve();

  const removePhoto = async (): Promise<void> => {
    const old = photo;
    photo = undefined;
    if (old === undefined) return;
    await api.deleteMessage(chatId, old).catch((error: unknown) => logger.warn({ err: error, chatId }, 'could not delete an old QR login code'));
  };

  const show = async (event: QrEvent): Promise<void> => {
    // The event's kind only: a token is a secret.
    logger.debug({ chatId, step: event.kind }, 'QR login step');
    switch (event.kind) {
      case 'token': {
        const png = await qrCodePng(event.url);
        const sent = await api.sendPhoto(chatId, new InputFile(png, 'login-qr.png'), { caption: QR_CAPTION });
        await removePhoto();
        photo = sent.message_id;
        return;
      }
      case 'password_needed':
        await removePhoto();
        await api.sendMessage(chatId, options.passwordPrompt(event.hint));
        return;
      case 'done':
        await removePhoto();
        await api.sendMessage(chatId, `✅ Account ${accountName(event.account)} added.`);
        return;
      case 'failed': {
        // Before the first code, the conversation answers the failure itself.
        const wasShown = photo !== undefined;
        await removePhoto();
        if (wasShown) await api.sendMessage(chatId, `❌ ${event.message}\n\nStart again with /addaccount.`);
        return;
      }
      case 'cancelled':
        await removePhoto();
        return;
    }
  };

  const step = await options.start((event) => {
    shown = shown.then(() => show(event)).catch((error: unknown) => logger.error({ err: error, chatId, event: event.kind }, 'could not show a step of a QR login'));
  });
  await shown;
  return step;
}
