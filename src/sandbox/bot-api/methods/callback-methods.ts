import { badRequest } from '../errors.js';
import type { MethodHandler } from './method-context.js';

const ANSWER_TEXT_MAX_LENGTH = 200;

export const answerCallbackQuery: MethodHandler = ({ params, callbacks }): true => {
  const id = params.string('callback_query_id');
  if (id === undefined || id === '') throw badRequest('callback_query_id is empty');
  const text = params.string('text');
  if (text !== undefined && text.length > ANSWER_TEXT_MAX_LENGTH) throw badRequest('MESSAGE_TOO_LONG');
  const answered = callbacks.answer(id, { text: text === '' ? undefined : text, showAlert: params.boolean('show_alert') ?? false });
  if (!answered) throw badRequest('query is too old and response timeout expired or query ID is invalid');
  return true;
};
