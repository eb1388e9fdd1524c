/**
 * An error the sandbox answers a request with. The seam turns it into GramJS's own error classes with
 * `errors.RPCMessageToError`, so callers see exactly what Telegram would give them.
 */
export class SandboxRpcError extends Error {
  override readonly name = 'SandboxRpcError';
  /** Telegram's error code: 400, 401, 403, 420, 500 … */
  readonly code: number;
  /** Telegram's error text, e.g. `FLOOD_WAIT_30`. */
  readonly errorMessage: string;

  constructor(errorMessage: string, code: number = rpcErrorCode(errorMessage)) {
    super(`${code}: ${errorMessage}`);
    this.code = code;
    this.errorMessage = errorMessage;
  }
}

const UNAUTHORIZED = new Set([
  'AUTH_KEY_UNREGISTERED',
  'AUTH_KEY_INVALID',
  'USER_DEACTIVATED',
  'USER_DEACTIVATED_BAN',
  'SESSION_REVOKED',
  'SESSION_EXPIRED',
  'SESSION_PASSWORD_NEEDED',
]);
const FORBIDDEN = new Set([
  'CHAT_WRITE_FORBIDDEN',
  'CHAT_SEND_PLAIN_FORBIDDEN',
  'USER_PRIVACY_RESTRICTED',
  'USER_IS_BLOCKED',
  'USER_BOT_INVALID',
]);

/** The error code Telegram uses for an error text. */
export function rpcErrorCode(errorMessage: string): number {
  if (/^(FLOOD_WAIT|SLOWMODE_WAIT|FLOOD_PREMIUM_WAIT|FLOOD_TEST_PHONE_WAIT|TAKEOUT_INIT_DELAY)_\d+$/.test(errorMessage)) return 420;
  if (/^(PHONE|FILE|USER|NETWORK|STATS)_MIGRATE_\d+$/.test(errorMessage)) return 303;
  if (UNAUTHORIZED.has(errorMessage)) return 401;
  if (FORBIDDEN.has(errorMessage)) return 403;
  if (errorMessage === 'INTERNAL' || /_(FAIL|FAILED|TIMEOUT)$/.test(errorMessage) || errorMessage.startsWith('INTERNAL_')) return 500;
  return 400;
}
