import { InputFile, type Api } from 'grammy';
import type { MemberReader } from '../../db/repositories/member-reader.js';
import type { MemberFilter } from '../../db/repositories/members.js';
import type { ChatRow } from '../../db/schema.js';
import { formatNumber } from '../format.js';
import type { ExportPart, ExportPartOptions, MemberRows } from './export-part.js';
import { describeFilter, type ExportFormat } from './export-request.js';
import { memberCsvParts } from './csv.js';
import { memberJsonParts } from './json.js';
import { exportColumns } from './member-columns.js';
import { memberXlsxParts, type XlsxPartOptions } from './xlsx.js';

/** One file set to send: the members of `chats[0]`, kept to those also in every other chat when several. */
export interface ExportJob {
  /** One chat, or with `--common` every chat named (member columns come from the first). */
  readonly chats: readonly ChatRow[];
  readonly format: ExportFormat;
  readonly filter: MemberFilter;
  readonly extra: boolean;
  /** The members the job holds, counted before sending (for the caption). */
  readonly count: number;
  /** What `--active` counts back from (epoch ms). */
  readonly now: number;
}

export interface SendExportOptions extends Pick<XlsxPartOptions, 'maxRows' | 'marginBytes'> {
  readonly maxBytes?: ExportPartOptions['maxBytes'];
  /**
   * Rows read from the database per query.
   * @default 1000
   */
  readonly pageSize?: number;
}

export interface SentExport {
  /** The files sent, in order. */
  readonly files: readonly string[];
  /** Member rows written over all files. */
  readonly rows: number;
}

/** The format as the Export buttons' answers name it. */
export const FORMAT_NAME: Readonly<Record<ExportFormat, string>> = { csv: 'CSV', json: 'JSON', xlsx: 'Excel workbook' };

/** The chat as captions name it: `Big chat (@bigchat)`. */
export function chatName(chat: ChatRow): string {
  return `${chat.title ?? `chat ${chat.id}`}${chat.username ? ` (@${chat.username})` : ''}`;
}

const slug = (chat: ChatRow) => (chat.username ?? String(chat.id)).replace(/[^A-Za-z0-9_-]/g, '_');

/** `members-bigchat`, or with --common `members-common-bigchat-other`. */
export function fileBase(chats: readonly ChatRow[]): string {
  return chats.length === 1 ? `members-${slug(chats[0] as ChatRow)}` : `members-common-${chats.map(slug).join('-')}`.slice(0, 120);
}

/** `Big chat (@bigchat): 250 members · active within 30 days · part 2`. */
export function exportCaption(job: Pick<ExportJob, 'chats' | 'filter' | 'count'>, part: number): string {
  const who = job.chats.length === 1 ? chatName(job.chats[0] as ChatRow) : `In all of ${job.chats.map(chatName).join(', ')}`;
  const filters = describeFilter(job.filter);
  return [`${who}: ${formatNumber(job.count)} member${job.count === 1 ? '' : 's'}`, filters, part > 1 ? `part ${part}` : '']
    .filter(Boolean)
    .join(' · ')
    .slice(0, 1024);
}

/** The writer of a format over a stream of rows. */
export function exportParts(format: ExportFormat, rows: MemberRows, options: XlsxPartOptions): Generator<ExportPart> {
  switch (format) {
    case 'csv':
      return memberCsvParts(rows, options);
    case 'json':
      return memberJsonParts(rows, options);
    case 'xlsx':
      return memberXlsxParts(rows, options);
  }
}

/**
 * Sends a job's members as documents, streamed from the database and split into parts below the Bot API's
 * upload limit (and Excel's rows per sheet): rows are read a page at a time, as the upload takes them. Resolves to
 * the files sent.
 */
export async function sendExport(
  api: Pick<Api, 'sendDocument'>,
  members: Pick<MemberReader, 'iterateMembers'>,
  chatId: number,
  job: ExportJob,
  options: SendExportOptions = {},
): Promise<SentExport> {
  const [first, ...others] = job.chats;
  if (!first) throw new RangeError('an export needs a chat');
  const rows = members.iterateMembers(first.id, {
    filter: job.filter,
    alsoIn: others.map((c) => c.id),
    now: job.now,
    pageSize: options.pageSize ?? 1000,
  });
  const partOptions: XlsxPartOptions = {
    columns: exportColumns(job.extra),
    ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
    ...(options.maxRows !== undefined ? { maxRows: options.maxRows } : {}),
    ...(options.marginBytes !== undefined ? { marginBytes: options.marginBytes } : {}),
  };
  const base = fileBase(job.chats);
  const files: string[] = [];
  let written = 0;
  try {
    for (const part of exportParts(job.format, rows, partOptions)) {
      const filename = part.index === 1 ? `${base}.${job.format}` : `${base}-part${part.index}.${job.format}`;
      await api.sendDocument(chatId, new InputFile(part.chunks, filename), { caption: exportCaption(job, part.index) });
      files.push(filename);
      written += part.written.rows;
    }
  } finally {
    // An upload that failed leaves the rows half read: end the reads rather than leave them waiting.
    await rows.return();
  }
  return { files, rows: written };
}

