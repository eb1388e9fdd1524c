import { InlineKeyboard } from 'grammy';
import type { Account, EngineStatus, Operation, WorkerView } from '../../engine/types.js';
import { budgetsLine } from './budgets-line.js';
import { callbackData } from '../callback-data.js';
import { lastCheckLine } from '../check-verdict.js';
import {
  accountLine,
  accountName,
  failureReason,
  formatDuration,
  formatNumber,
  formatTime,
  operationTitle,
  STATUS_ICONS,
  truncate,
} from '../format.js';
import type { MessageContent } from '../message-editor.js';

/** Buttons on one screen; Telegram allows 100, a phone shows far fewer comfortably. */
const MAX_BUTTONS = 30;

/**
 * The /status panel. It carries no clock time (but the minute each worker was last seen), so a refresh that changes
 * nothing is not an edit.
 */
export function renderStatus(status: EngineStatus, now: number): MessageContent {
  const counts = new Map<string, number>();
  for (const a of status.accounts) counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
  const summary = [...counts.entries()].map(([state, n]) => `${n} ${state}`).join(', ');
  const lines = ['📟 Switchboard status', '', `Accounts: ${status.accounts.length}${summary ? ` — ${summary}` : ''}`];
  for (const account of status.accounts.slice(0, MAX_BUTTONS)) lines.push(accountLine(account, now));
  if (status.accounts.length > MAX_BUTTONS) lines.push(`…and ${status.accounts.length - MAX_BUTTONS} more`);
  if (status.accounts.length === 0) lines.push('No accounts yet: add one with /addaccount.');
  const { active } = status;
  lines.push(
    '',
    `Queue: ${formatNumber(status.queued)} waiting`,
    `Scrapes: ${status.activeScrapes}/${status.scrapeLimit} running`,
    `Running now: scraping ${active.scraping} · monitoring ${active.monitoring} · sending ${active.sending} · other ${active.other}`,
  );
  if (status.workers !== undefined) lines.push('', ...workerLines(status.workers));
  const keyboard = new InlineKeyboard()
    .text('🔄 Refresh', callbackData.status('main'))
    .text('👤 Accounts', callbackData.status('accounts'))
    .text('📋 Operations', callbackData.status('operations'));
  return { text: lines.join('\n'), keyboard };
}

/** The workers of a fleet, each with the accounts it holds (docs/deploy.md). */
function workerLines(workers: readonly WorkerView[]): string[] {
  const live = workers.filter((w) => w.live);
  const lines = [`Workers: ${live.length} live${workers.length > live.length ? `, ${workers.length - live.length} silent` : ''}`];
  if (workers.length === 0) lines.push('No worker has started yet: start one with ROLE=worker (docs/deploy.md).');
  for (const worker of workers) {
    const held = worker.accountIds.length === 0 ? 'no accounts' : `${worker.accountIds.length} account${worker.accountIds.length === 1 ? '' : 's'}: ${worker.accountIds.map((id) => `#${id}`).join(', ')}`;
    const state = !worker.live ? '⚫' : worker.stopping ? '🟡 stopping' : '🟢';
    lines.push(`${state} ${worker.name} · ${held} · last seen ${formatTime(worker.heartbeatAt)}${worker.live ? '' : ' (silent)'}`);
  }
  return lines;
}

export function renderAccountList(accounts: readonly Account[], now: number): MessageContent {
  const lines = [`👤 Accounts (${accounts.length})`, ''];
  if (accounts.length === 0) lines.push('No accounts yet: add one with /addaccount.');
  for (const account of accounts.slice(0, MAX_BUTTONS)) lines.push(accountLine(account, now));
  if (accounts.length > MAX_BUTTONS) lines.push(`…and ${accounts.length - MAX_BUTTONS} more`);
  const keyboard = new InlineKeyboard();
  accounts.slice(0, MAX_BUTTONS).forEach((account, i) => {
    keyboard.text(truncate(accountName(account), 24), callbackData.account(account.id));
    if (i % 2 === 1) keyboard.row();
  });
  keyboard.row().text('⬅️ Back', callbackData.status('main'));
  return { text: lines.join('\n'), keyboard };
}

export function renderAccount(account: Account, now: number): MessageContent {
  const lines = [
    `👤 Account ${accountName(account)}`,
    '',
    `Phone: ${account.phone}`,
    `State: ${account.state}${account.paused ? ' (paused)' : ''}`,
  ];
  if (account.username || account.firstName) lines.push(`Telegram: ${[account.firstName, account.username ? `@${account.username}` : null].filter(Boolean).join(' ')}`);
  lines.push(...identityLines(account));
  if (account.cooldownUntil !== null) lines.push(`Cooling down for ${formatDuration(account.cooldownUntil - now)} (until ${formatTime(account.cooldownUntil)})`);
  if (account.stateReason) lines.push(`Why: ${account.stateReason}`);
  if (account.lastError) lines.push(`Last error: ${truncate(account.lastError, 200)}`);
  if (account.proxy) lines.push(`Proxy: ${account.proxy.address} (${account.proxy.scheme})`);
  lines.push(
    `Running: ${account.running === null ? 'nothing' : `operation #${account.running}`} · waiting: ${account.queued}`,
    `Monitors: ${account.monitors}`,
    `Operations: ${formatNumber(account.opsTotal)} (${formatNumber(account.opsFailed)} failed) · flood waits: ${formatNumber(account.floodWaits)}`,
    lastCheckLine(account.check, now),
  );
  if (account.budgets.length > 0) lines.push(budgetsLine(account.budgets));
  const keyboard = new InlineKeyboard();
  if (account.paused) keyboard.text('▶️ Resume', callbackData.account(account.id, 'resume'));
  else keyboard.text('⏸ Pause', callbackData.account(account.id, 'pause'));
  // Limits (PEER_FLOOD) usually lift after a while; a dead session may have been restored: the admin decides.
  if (account.state === 'limited' || account.state === 'dead') keyboard.text('↩️ Back to rotation', callbackData.account(account.id, 'reinstate'));
  keyboard.text('🗑 Remove', callbackData.account(account.id, 'remove')).row().text('⬅️ Accounts', callbackData.status('accounts'));
  return { text: lines.join('\n'), keyboard };
}

/** The app credential (its api id: the hash is a secret) and the device the account presents to Telegram. */
function identityLines(account: Account): string[] {
  const { device } = account;
  return [
    `API id: ${account.apiId ?? 'not assigned yet'}`,
    `Device: ${device ? `${device.deviceModel} · ${device.systemVersion} · app ${device.appVersion}` : 'not assigned yet'}`,
  ];
}

export function renderRemoveConfirm(account: Account): MessageContent {
  return {
    text: [
      `Remove account ${accountName(account)}?`,
      `Phone: ${account.phone}`,
      '',
      'Its running and waiting work is cancelled or moved, its monitors stop, and its stored session is deleted.',
      'This cannot be undone: adding it back needs a new login.',
    ].join('\n'),
    keyboard: new InlineKeyboard().text('🗑 Yes, remove it', callbackData.account(account.id, 'confirmRemove')).text('Keep it', callbackData.account(account.id)),
  };
}

export function operationLine(op: Operation): string {
  const progress = op.status === 'running' && op.progress.done > 0 ? ` · ${formatNumber(op.progress.done)}${op.progress.total ? `/${formatNumber(op.progress.total)}` : ''}` : '';
  return `${STATUS_ICONS[op.status]} ${operationTitle(op)}${progress}`;
}

export function renderOperationList(ops: readonly Operation[]): MessageContent {
  const lines = ['📋 Recent operations', ''];
  if (ops.length === 0) lines.push('Nothing has run yet.');
  for (const op of ops) lines.push(operationLine(op));
  const keyboard = new InlineKeyboard();
  ops.slice(0, MAX_BUTTONS).forEach((op, i) => {
    keyboard.text(`${STATUS_ICONS[op.status]} #${op.id}`, callbackData.operation(op.id));
    if (i % 4 === 3) keyboard.row();
  });
  keyboard.row().text('⬅️ Back', callbackData.status('main'));
  return { text: lines.join('\n'), keyboard };
}

export function renderOperationDetail(op: Operation, account: Account | undefined): MessageContent {
  const lines = [`${STATUS_ICONS[op.status]} ${operationTitle(op)}`, '', `Status: ${op.status}`];
  if (account) lines.push(`Account: ${accountName(account)}`);
  else if (op.accountId !== null) lines.push(`Account: #${op.accountId}`);
  if (op.progress.done > 0 || op.progress.total !== null) {
    lines.push(`Progress: ${formatNumber(op.progress.done)}${op.progress.total !== null ? ` / ${formatNumber(op.progress.total)}` : ''}`);
  }
  if (op.attempts > 1) lines.push(`Attempts: ${op.attempts}`);
  lines.push(`Created: ${formatTime(op.createdAt)}`);
  if (op.startedAt !== null) lines.push(`Started: ${formatTime(op.startedAt)}`);
  if (op.finishedAt !== null) lines.push(`Finished: ${formatTime(op.finishedAt)}`);
  if (op.status === 'failed') lines.push(`Why: ${failureReason(op)}`);
  const keyboard = new InlineKeyboard();
  if (op.status === 'queued' || op.status === 'running') keyboard.text('⏹ Cancel', callbackData.operation(op.id, 'cancel'));
  keyboard.text('⬅️ Operations', callbackData.status('operations'));
  return { text: lines.join('\n'), keyboard };
}
