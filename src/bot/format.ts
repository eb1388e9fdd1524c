import type { Account, AccountState, Operation, OperationStatus } from '../engine/types.js';

/** Telegram's limit for one text message. */
export const MAX_MESSAGE_LENGTH = 4096;

export const formatNumber = (n: number): string => Math.round(n).toLocaleString('en-US');

/**
 * `part` as a share of `whole`: `39%`, rounded down so that only the whole reads `100%`, and `<1%` for a
 * share above none that would round to nothing. Undefined when `whole` is not above 0.
 */
export function formatPercent(part: number, whole: number): string | undefined {
  if (!(whole > 0)) return undefined;
  if (part >= whole) return '100%';
  if (part <= 0) return '0%';
  // Multiplied first: 29 / 100 * 100 is 28.999… in floating point.
  const percent = Math.floor((part * 100) / whole);
  return percent === 0 ? '<1%' : `${percent}%`;
}

/** `1 h 02 min`, `3 min 05 s`, `12 s`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(s).padStart(2, '0')} s`;
  return `${s} s`;
}

/** A ten-cell bar: ▓▓▓░░░░░░░. */
export function progressBar(fraction: number, cells = 10): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(clamped * cells);
  return '▓'.repeat(full) + '░'.repeat(cells - full);
}

/** `2024-05-01 09:00 UTC`. */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Cuts text to `max` characters with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

const STATE_ICONS: Readonly<Record<AccountState, string>> = {
  connecting: '🔌',
  idle: '🟢',
  busy: '🔵',
  monitoring: '👁',
  cooling: '🧊',
  limited: '🟠',
  dead: '💀',
  paused: '⏸',
  disconnected: '⚪',
};

export const STATUS_ICONS: Readonly<Record<OperationStatus, string>> = {
  queued: '🕒',
  running: '⏳',
  succeeded: '✅',
  failed: '❌',
  cancelled: '⏹',
};

/**
 * `+1555…0002`: enough of a phone to tell our own accounts apart at a glance (the country and area code,
 * and the last four digits people remember); the account screen shows it in full.
 */
export function shortPhone(phone: string): string {
  return phone.length <= 10 ? phone : `${phone.slice(0, 5)}…${phone.slice(-4)}`;
}

/**
 * The one name of an account in every message and button: its id, then its label with the username (or,
 * without one, the short phone) in brackets, since several accounts often share a first name:
 * `#1 Ops (@ops_one)`, `#2 Ops (+1555…0002)`. Without a label: `#3 @ops_three`, `#4 +15550000004`.
 */
export function accountName(account: Pick<Account, 'id' | 'phone' | 'label' | 'username'> & { readonly firstName?: string | null }): string {
  const handle = account.username ? `@${account.username}` : undefined;
  // The admin's label first; else the name the account has on Telegram (known once it logged in or was checked).
  const label = account.label?.trim() || account.firstName?.trim();
  if (!label || label === handle || label === account.phone) return `#${account.id} ${handle ?? account.phone}`;
  return `#${account.id} ${label} (${handle ?? shortPhone(account.phone)})`;
}

/** One line per account: icon, name, state and what it is doing. */
export function accountLine(account: Account, now: number): string {
  const parts = [`${STATE_ICONS[account.state]} ${accountName(account)}`, account.state];
  if (account.state === 'cooling' && account.cooldownUntil !== null) parts.push(`for ${formatDuration(account.cooldownUntil - now)}`);
  if (account.running !== null) parts.push(`running #${account.running}`);
  if (account.queued > 0) parts.push(`${account.queued} waiting`);
  if (account.monitors > 0) parts.push(`${account.monitors} monitor${account.monitors === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

const KIND_NAMES: Readonly<Record<string, string>> = {
  scrape: 'Scrape',
  join: 'Join',
  send: 'Send to',
  monitor: 'Monitor',
  health: 'Health check',
};

/** `Scrape @bigchat (#12)`. */
export function operationTitle(op: Pick<Operation, 'id' | 'kind' | 'params'>): string {
  const name = KIND_NAMES[op.kind] ?? op.kind;
  const target = (op.params as { target?: unknown } | null)?.target;
  return typeof target === 'string' ? `${name} ${target} (#${op.id})` : `${name} (#${op.id})`;
}

/** The reason an operation failed, in plain words. */
export function failureReason(op: Pick<Operation, 'error'>): string {
  const message = op.error?.message.trim();
  return message && message.length > 0 ? message : 'It failed for a reason the panel did not record.';
}

/** Splits text into messages under Telegram's limit, at line breaks where possible. */
export function splitMessage(text: string, max = MAX_MESSAGE_LENGTH): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n', max);
    if (cut <= 0) cut = max;
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, '');
  }
  if (rest.length > 0 || parts.length === 0) parts.push(rest);
  return parts;
}
