/**
 * Inline-button payloads. Telegram allows 64 bytes; these stay far below it and are parsed strictly,
 * so stale or forged data is recognised as such instead of reaching a handler.
 */
export type CallbackAction =
  | { readonly kind: 'stats'; readonly chatId: number }
  | { readonly kind: 'status'; readonly view: 'main' | 'accounts' | 'operations' }
  | { readonly kind: 'account'; readonly id: number; readonly action: 'show' | 'pause' | 'resume' | 'reinstate' | 'remove' | 'confirmRemove' }
  | { readonly kind: 'operation'; readonly id: number; readonly action: 'show' | 'cancel' }
  | { readonly kind: 'export'; readonly chatId: number; readonly format: 'csv' | 'json' | 'xlsx' }
  | { readonly kind: 'bulk'; readonly id: number; readonly action: 'cancel' };

export const MAX_CALLBACK_BYTES = 64;

const STATUS_VIEWS = { r: 'main', a: 'accounts', o: 'operations' } as const;
/** `ex:ID` is CSV, as the first Export button made it; JSON and Excel add a letter. */
const EXPORT_FORMATS = { j: 'json', x: 'xlsx' } as const;
const ACCOUNT_ACTIONS = { p: 'pause', r: 'resume', h: 'reinstate', x: 'remove', xy: 'confirmRemove' } as const;

const ID = '([1-9]\\d{0,14})';

export const callbackData = {
  status: (view: 'main' | 'accounts' | 'operations') => `st:${view === 'main' ? 'r' : view === 'accounts' ? 'a' : 'o'}`,
  account: (id: number, action: 'show' | 'pause' | 'resume' | 'reinstate' | 'remove' | 'confirmRemove' = 'show') => {
    const suffix = { show: '', pause: ':p', resume: ':r', reinstate: ':h', remove: ':x', confirmRemove: ':xy' }[action];
    return `ac:${id}${suffix}`;
  },
  operation: (id: number, action: 'show' | 'cancel' = 'show') => `op:${id}${action === 'cancel' ? ':c' : ''}`,
  exportChat: (chatId: number, format: 'csv' | 'json' | 'xlsx' = 'csv') => `ex:${chatId}${format === 'json' ? ':j' : format === 'xlsx' ? ':x' : ''}`,
  bulkCancel: (id: number) => `bk:${id}:c`,
  chatStats: (chatId: number) => `sx:${chatId}`,
};

/** The action a button stands for, or undefined when the data is not one the panel makes. */
export function parseCallbackData(data: string | undefined): CallbackAction | undefined {
  if (data === undefined || Buffer.byteLength(data) > MAX_CALLBACK_BYTES) return undefined;
  let m = /^st:([rao])$/.exec(data);
  if (m) return { kind: 'status', view: STATUS_VIEWS[m[1] as keyof typeof STATUS_VIEWS] };
  m = new RegExp(`^ac:${ID}(?::(p|r|h|x|xy))?$`).exec(data);
  if (m) {
    const action = m[2] === undefined ? 'show' : ACCOUNT_ACTIONS[m[2] as keyof typeof ACCOUNT_ACTIONS];
    return { kind: 'account', id: Number(m[1]), action };
  }
  m = new RegExp(`^op:${ID}(:c)?$`).exec(data);
  if (m) return { kind: 'operation', id: Number(m[1]), action: m[2] ? 'cancel' : 'show' };
  m = /^ex:(-?[1-9]\d{0,15})(?::([jx]))?$/.exec(data);
  if (m) {
    const format = m[2] === undefined ? 'csv' : EXPORT_FORMATS[m[2] as keyof typeof EXPORT_FORMATS];
    return Number.isSafeInteger(Number(m[1])) ? { kind: 'export', chatId: Number(m[1]), format } : undefined;
  }
  m = new RegExp(`^bk:${ID}:c$`).exec(data);
  if (m) return { kind: 'bulk', id: Number(m[1]), action: 'cancel' };
  m = /^sx:(-?[1-9]\d{0,15})$/.exec(data);
  if (m) return Number.isSafeInteger(Number(m[1])) ? { kind: 'stats', chatId: Number(m[1]) } : undefined;
  return undefined;
}
