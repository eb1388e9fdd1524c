import { rpcErrorMessage, type Failure } from '../errors.js';

/**
 * Telegram errors the operations meet, in plain words (docs/errors.md mirrors this table). Flood waits,
 * dead and limited accounts and transient errors are left to the engine's own classifier.
 */
export const TELEGRAM_ERRORS: Readonly<Record<string, Failure>> = {
  USERNAME_NOT_OCCUPIED: { kind: 'not_found', message: 'No chat or user has that username.' },
  USERNAME_INVALID: { kind: 'invalid', message: 'That username is not valid.' },
  PEER_ID_INVALID: { kind: 'not_found', message: 'Telegram does not know that chat or user (or this account has never seen it).' },
  CHANNEL_INVALID: { kind: 'not_found', message: 'That chat does not exist or this account cannot see it.' },
  CHAT_ID_INVALID: { kind: 'not_found', message: 'That chat does not exist.' },
  CHANNEL_PRIVATE: { kind: 'private', message: 'The chat is private: this account must join it first (add --join, or use an invite link).' },
  CHAT_ADMIN_REQUIRED: { kind: 'admin_required', message: 'Only admins of this chat can list its members.' },
  INVITE_HASH_EXPIRED: { kind: 'invite_expired', message: 'The invite link has expired or was revoked.' },
  INVITE_HASH_INVALID: { kind: 'invite_expired', message: 'The invite link is not valid.' },
  INVITE_HASH_EMPTY: { kind: 'invalid', message: 'The invite link has no hash.' },
  INVITE_REQUEST_SENT: { kind: 'join_pending', message: 'A join request was sent; an admin of the chat must approve it.' },
  USER_BANNED_IN_CHANNEL: { kind: 'banned', message: 'This account is banned from sending in that chat.' },
  CHANNEL_BANNED: { kind: 'banned', message: 'This account is banned from that chat.' },
  USER_KICKED: { kind: 'banned', message: 'This account was removed from that chat and cannot rejoin.' },
  USER_BANNED: { kind: 'banned', message: 'This account is banned from that chat.' },
  CHANNELS_TOO_MUCH: { kind: 'too_many_channels', message: 'This account is in too many chats already (Telegram allows about 500): leave some first.' },
  USER_CHANNELS_TOO_MUCH: { kind: 'too_many_channels', message: 'That user is in too many chats already.' },
  CHAT_WRITE_FORBIDDEN: { kind: 'banned', message: 'This account may not write in that chat.' },
  CHAT_SEND_PLAIN_FORBIDDEN: { kind: 'banned', message: 'Text messages are not allowed in that chat.' },
  USER_IS_BLOCKED: { kind: 'banned', message: 'That user has blocked this account.' },
  USER_PRIVACY_RESTRICTED: { kind: 'private', message: "That user's privacy settings do not allow it." },
  INPUT_USER_DEACTIVATED: { kind: 'not_found', message: 'That user has deleted their account.' },
  MESSAGE_EMPTY: { kind: 'invalid', message: 'The message is empty.' },
  MESSAGE_TOO_LONG: { kind: 'invalid', message: 'The message is too long (Telegram allows 4096 characters).' },
  PHONE_NUMBER_INVALID: { kind: 'invalid', message: 'That phone number is not valid.' },
  PHONE_NUMBER_BANNED: { kind: 'banned', message: 'That phone number is banned by Telegram.' },
  PHONE_NUMBER_UNOCCUPIED: { kind: 'not_found', message: 'No Telegram account uses that phone number.' },
  PHONE_CODE_INVALID: { kind: 'invalid', message: 'The login code is wrong.' },
  PHONE_CODE_EXPIRED: { kind: 'invalid', message: 'The login code has expired: start again to get a new one.' },
  PHONE_CODE_EMPTY: { kind: 'invalid', message: 'The login code is missing.' },
  PASSWORD_HASH_INVALID: { kind: 'invalid', message: 'The two-step verification password is wrong.' },
  SESSION_PASSWORD_NEEDED: { kind: 'invalid', message: 'This account has two-step verification: the password is needed.' },
};

/** Classifies a Telegram RPC error by the table, or leaves it to the engine's classifier. */
export function classifyTelegramError(error: unknown): Failure | undefined {
  const text = rpcErrorMessage(error);
  if (text === undefined) return undefined;
  const known = TELEGRAM_ERRORS[text];
  if (known) return known;
  if (/^METHOD_NOT_SUPPORTED/.test(text) || text.endsWith('_INVALID')) return { kind: 'invalid', message: `Telegram refused the request (${text}).` };
  return undefined;
}
