import type { Update, WebhookInfo } from 'grammy/types';
import { BotApiError, badRequest } from '../errors.js';
import type { MethodHandler } from './method-context.js';

export const CONFLICT = 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running';
const MAX_LIMIT = 100;

/** Long polling: answers at once when updates are pending, else holds the call up to `timeout` seconds. */
export const getUpdates: MethodHandler = async ({ params, updates, limits, signal }): Promise<Update[]> => {
  const offset = params.integer('offset');
  const limit = Math.min(Math.max(params.integer('limit') ?? MAX_LIMIT, 1), MAX_LIMIT);
  const timeout = params.integer('timeout') ?? 0;
  if (timeout < 0) throw badRequest('timeout must be non-negative');
  const result = await updates.poll({ offset, limit, waitMs: timeout * limits.longPollSecondMs, signal });
  if (result.kind === 'conflict') throw new BotApiError(409, CONFLICT);
  return result.updates;
};

export const deleteWebhook: MethodHandler = ({ params, updates }) => {
  if (params.boolean('drop_pending_updates') === true) updates.drop();
  return true;
};

export const getWebhookInfo: MethodHandler = ({ updates }): WebhookInfo => ({
  url: '',
  has_custom_certificate: false,
  pending_update_count: updates.pending(),
});
