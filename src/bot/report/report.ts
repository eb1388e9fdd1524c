import { InputFile, type Api } from 'grammy';
import type { MemberReader } from '../../db/repositories/member-reader.js';
import type { MonitorsRepository } from '../../db/repositories/monitors.js';
import type { ReportsRepository } from '../../db/repositories/reports.js';
import type { AccountState } from '../../engine/types.js';
import { accountName, formatNumber, formatTime, truncate } from '../format.js';
import type { PanelEngine } from '../ports.js';
import { renderActivityChart } from './chart.js';

export const DAY_MS = 86_400_000;

export interface ReportSources {
  readonly reports: Pick<ReportsRepository, 'summary' | 'hourlySeries'>;
  readonly members: Pick<MemberReader, 'topChats'>;
  /** Absent where monitors are not kept (a panel over PostgreSQL): the report leaves their line out. */
  readonly monitors?: Pick<MonitorsRepository, 'listActive' | 'countHits'>;
  readonly engine: Pick<PanelEngine, 'listAccounts' | 'metrics' | 'internalKinds'>;
}

export interface Report {
  readonly text: string;
  /** PNG of the hourly activity. */
  readonly chart: Buffer;
  readonly sinceMs: number;
  readonly untilMs: number;
}

const UNHEALTHY: ReadonlySet<AccountState> = new Set(['cooling', 'limited', 'dead', 'disconnected', 'paused']);

/** The activity report of the `windowMs` before `now`: text and chart. */
export async function buildReport(sources: ReportSources, now: number, windowMs = DAY_MS): Promise<Report> {
  const sinceMs = now - windowMs;
  // The repository's windows end before `untilMs`; what ended in this very millisecond belongs in.
  const untilMs = now + 1;
  // Health checks are the engine's own bookkeeping, not work anyone asked for.
  const internal = sources.engine.internalKinds;
  const summary = await sources.reports.summary(sinceMs, untilMs, internal);
  const accounts = await sources.engine.listAccounts();
  const metrics = await sources.engine.metrics();
  const lines: string[] = [`📊 Report for the last ${windowMs === DAY_MS ? '24 hours' : `${Math.round(windowMs / 3_600_000)} hours`} (until ${formatTime(now)})`, ''];

  lines.push(
    `Operations: ${formatNumber(summary.operationsSucceeded)} done, ${formatNumber(summary.operationsFailed)} failed, ${formatNumber(summary.operationsCancelled)} cancelled`,
  );
  for (const [kind, counts] of Object.entries(summary.byKind)) {
    lines.push(`  ${kind}: ${counts.succeeded} done · ${counts.failed} failed · ${counts.cancelled} cancelled`);
  }
  lines.push(`Members scraped: ${formatNumber(summary.membersScraped)} new`);
  lines.push(`Flood waits: ${formatNumber(summary.floodWaits)}`);

  const byState = new Map<AccountState, number>();
  for (const account of accounts) byState.set(account.state, (byState.get(account.state) ?? 0) + 1);
  const states = [...byState.entries()].map(([state, n]) => `${n} ${state}`).join(', ');
  lines.push('', `Accounts: ${accounts.length}${states ? ` (${states})` : ''}`);
  for (const account of accounts.filter((a) => UNHEALTHY.has(a.state))) {
    const reason = account.stateReason ?? account.lastError;
    lines.push(`  ⚠️ ${accountName(account)} ${account.state}${reason ? `: ${truncate(reason, 120)}` : ''}`);
  }
  lines.push(`Now: ${metrics.activeScrapes}/${metrics.scrapeLimit} scrapes running, ${metrics.queued} waiting`);

  const top = await sources.members.topChats(sinceMs, 5);
  if (top.length > 0) {
    lines.push('', 'Top chats:');
    top.forEach((chat, i) => {
      const name = chat.title ?? (chat.username ? `@${chat.username}` : `chat ${chat.id}`);
      lines.push(`  ${i + 1}. ${truncate(name, 60)}${chat.username && chat.title ? ` (@${chat.username})` : ''}: ${formatNumber(chat.members)} members`);
    });
  }
  const monitors = (await sources.monitors?.listActive()) ?? [];
  if (monitors.length > 0) lines.push('', `Monitors: ${monitors.length} active, ${formatNumber((await sources.monitors?.countHits()) ?? 0)} hits in all`);

  const chart = renderActivityChart(await sources.reports.hourlySeries(sinceMs, untilMs, internal), { title: `Activity per hour, last 24 hours (UTC)` });
  return { text: lines.join('\n'), chart, sinceMs, untilMs: now };
}

/** Sends a report to a chat: the text, then the chart. */
export async function sendReport(api: Pick<Api, 'sendMessage' | 'sendPhoto'>, chatId: number, report: Report): Promise<void> {
  await api.sendMessage(chatId, report.text);
  const name = `report-${new Date(report.untilMs).toISOString().slice(0, 13).replace('T', '-')}h.png`;
  await api.sendPhoto(chatId, new InputFile(report.chart, name), { caption: 'Activity per hour, last 24 hours' });
}
