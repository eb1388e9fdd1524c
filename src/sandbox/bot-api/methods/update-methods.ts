import type { Update, WebhookInfo } from '@grammyjs/types';
import { BotApiError, badRequest } from '../errors.js';
import type { Params } from '../params.js';
import type { MethodHandler } from './method-context.js';

export const CONFLICT = 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running';
const MAX_LIMIT = 100;

/** Long polling: answers at once when updates are pending, else holds the call up to `timeout` seconds. */
export const getUpdates: MethodHandler = async ({ params, updates, limits, signal }): Promise<Update[]> => {
  const offset = params.integer('offset');
  const limit = Math.min(Math.max(params.integer('limit') ?? MAX_LIMIT, 1), MAX_LIMIT);
  const timeout = params.integer('timeout') ?? 0;
  if (timeout < 0) throw badRequest('timeout must be non-negative');
  updates.allow(allowedUpdates(params));
  const result = await updates.poll({ offset, limit, waitMs: timeout * limits.longPollSecondMs, signal });
  if (result.kind === 'conflict') throw new BotApiError(409, CONFLICT);
  return result.updates;
};

/**
 * `allowed_updates` as telegram-bot-api reads it (Client::get_allowed_update_types): a list that does not
 * parse, or holds anything but strings, leaves the setting as it was.
 */
function allowedUpdates(params: Params): string[] | undefined {
  let value: unknown;
  try {
    value = params.json('allowed_updates', "can't parse allowed_updates");
  } catch {
    return undefined;
  }
  return Array.isArray(value) && value.every((t): t is string => typeof t === 'string') ? value : undefined;
}

export const deleteWebhook: MethodHandler = ({ params, updates }): true => {
  if (params.boolean('drop_pending_updates') === true) updates.drop();
  return true;
};

export const getWebhookInfo: MethodHandler = ({ updates }): WebhookInfo => ({
  url: '',
  has_custom_certificate: false,
  pending_update_count: updates.pending().length,
});
