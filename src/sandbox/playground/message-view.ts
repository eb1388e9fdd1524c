import type { InlineKeyboardButton, MessageEntity } from '@grammyjs/types';
import type { BotChatMessage } from '../bot-api/index.js';
import { autoEntities, withEntities } from './auto-entities.js';
import { parseHtml, type FormattedText } from './html-entities.js';

/** An inline button as the page draws it: one that presses (callback data), a link, or one it cannot use. */
export type ButtonView =
  | { readonly kind: 'callback'; readonly text: string; readonly data: string }
  | { readonly kind: 'url'; readonly text: string; readonly url: string }
  | { readonly kind: 'other'; readonly text: string };

/** A file of a message, fetched from `/api/files/<fileId>`. */
export interface FileView {
  readonly fileId: string;
  readonly fileName: string;
  readonly mimeType: string | undefined;
  readonly size: number | undefined;
  readonly width?: number;
  readonly height?: number;
}

/** A message of the chat as the page renders it: texts with their entities, never markup. */
export interface MessageView {
  readonly id: number;
  readonly sender: 'bot' | 'user';
  /** Unix seconds. */
  readonly date: number;
  readonly edited: boolean;
  readonly text: FormattedText | undefined;
  readonly caption: FormattedText | undefined;
  readonly document: FileView | undefined;
  /** The largest size of a photo. */
  readonly photo: FileView | undefined;
  readonly buttons: ButtonView[][];
  readonly replyTo: number | undefined;
  /** What a service message says, in words. */
  readonly service: string | undefined;
}

/** Turns a stored message into what the page shows, applying its parse mode as Telegram would. */
export function messageView(message: BotChatMessage): MessageView {
  const photo = message.photo?.at(-1);
  return {
    id: message.messageId,
    sender: message.sender,
    date: message.date,
    edited: message.editCount > 0,
    text: formatted(message.text, message.entities, message.parseMode),
    caption: formatted(message.caption, message.captionEntities, message.parseMode),
    document:
      message.document === undefined
        ? undefined
        : {
            fileId: message.document.file_id,
            fileName: message.document.file_name ?? 'file',
            mimeType: message.document.mime_type,
            size: message.document.file_size,
          },
    photo:
      photo === undefined
        ? undefined
        : { fileId: photo.file_id, fileName: `photo-${message.messageId}.jpg`, mimeType: undefined, size: photo.file_size, width: photo.width, height: photo.height },
    buttons: (message.replyMarkup?.inline_keyboard ?? []).map((row) => row.map(buttonView)),
    replyTo: message.replyToMessageId,
    service: serviceText(message),
  };
}

function formatted(text: string | undefined, entities: readonly MessageEntity[] | undefined, parseMode: string | undefined): FormattedText | undefined {
  if (text === undefined) return undefined;
  // Entities given with the message win over a parse mode, as in the Bot API.
  const parsed = entities === undefined && parseMode?.toLowerCase() === 'html' ? parseHtml(text) : undefined;
  const base = parsed ?? { text, entities: entities ?? [] };
  return { text: base.text, entities: withEntities(base.entities, autoEntities(base.text)) };
}

function buttonView(button: InlineKeyboardButton): ButtonView {
  if ('callback_data' in button && button.callback_data !== undefined) return { kind: 'callback', text: button.text, data: button.callback_data };
  if ('url' in button && button.url !== undefined) return { kind: 'url', text: button.text, url: button.url };
  return { kind: 'other', text: button.text };
}

function serviceText(message: BotChatMessage): string | undefined {
  const service = message.service;
  if (service === undefined) return undefined;
  if (service.kind === 'group_created') return 'Group created';
  if (service.kind === 'member_left') return `${service.user.first_name} left`;
  return `${service.users.map((u) => u.first_name).join(', ')} joined`;
}
