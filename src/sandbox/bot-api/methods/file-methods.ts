import type { File, Message } from '@grammyjs/types';
import { BotApiError, badRequest } from '../errors.js';
import { documentOf, photoSizesOf } from '../file-objects.js';
import type { StoredFile } from '../file-store.js';
import { imageSize } from '../image-size.js';
import { readReplyMarkup } from '../inline-keyboard.js';
import { mimeTypeOf } from '../mime-type.js';
import { REQUEST_TOO_LARGE } from '../request-body.js';
import { readCaption, readChatId, readParseMode, readReplyTo } from './common-params.js';
import type { MethodContext, MethodHandler } from './method-context.js';

/** The file an InputFile parameter names: a fresh upload (stored now) or a known file_id. */
function inputFile(context: MethodContext, name: 'document' | 'photo'): StoredFile {
  const { params, files, limits } = context;
  const value = params.file(name);
  if (value === undefined || value === '') throw badRequest(`there is no ${name} in the request`);
  if (typeof value === 'string') {
    // The sandbox is offline: it cannot fetch a URL the way Telegram would.
    if (/^https?:\/\//i.test(value)) throw badRequest('failed to get HTTP URL content');
    const known = files.get(value.trim());
    if (known === undefined || (name === 'photo' && known.kind !== 'photo')) {
      throw badRequest('wrong file identifier/HTTP URL specified');
    }
    return known;
  }
  if (value.bytes.length === 0) throw badRequest('file must be non-empty');
  if (value.bytes.length > limits.maxUploadBytes) throw new BotApiError(413, REQUEST_TOO_LARGE);
  if (name === 'photo') {
    if (imageSize(value.bytes) === undefined) throw badRequest('IMAGE_PROCESS_FAILED');
    return files.add({ kind: 'photo', fileName: value.filename, mimeType: 'image/jpeg', bytes: value.bytes, uploadedBy: 'bot' });
  }
  return files.add({ kind: 'document', fileName: value.filename, mimeType: mimeTypeOf(value.filename), bytes: value.bytes, uploadedBy: 'bot' });
}

function sendFile(context: MethodContext, name: 'document' | 'photo'): Message {
  const chatId = readChatId(context);
  const caption = readCaption(context);
  const parseMode = readParseMode(context);
  const markup = readReplyMarkup(context.params.json('reply_markup', "can't parse reply keyboard markup JSON object"));
  const replyToMessageId = readReplyTo(context, chatId);
  // Last, so a call refused for another reason leaves no stored upload behind.
  const file = inputFile(context, name);
  const message = context.chats.add(chatId, 'bot', {
    caption,
    parseMode,
    replyMarkup: markup.kind === 'inline' ? markup.markup : undefined,
    replyToMessageId,
    ...(file.kind === 'photo' && name === 'photo' ? { photo: photoSizesOf(file) } : { document: documentOf(file) }),
  });
  return context.chats.toMessage(message);
}

export const sendDocument: MethodHandler = (context) => sendFile(context, 'document');

export const sendPhoto: MethodHandler = (context) => sendFile(context, 'photo');

export const getFile: MethodHandler = ({ params, files, limits }): File => {
  const fileId = params.string('file_id')?.trim();
  if (fileId === undefined || fileId === '') throw badRequest('file_id is empty');
  const file = files.get(fileId);
  if (file === undefined) throw badRequest('invalid file_id');
  if (file.size > limits.maxDownloadBytes) throw badRequest('file is too big');
  return { file_id: file.fileId, file_unique_id: file.fileUniqueId, file_size: file.size, file_path: file.filePath };
};
