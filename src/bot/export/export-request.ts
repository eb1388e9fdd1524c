import type { MemberFilter } from '../../db/repositories/members.js';
import type { Target } from '../../engine/operations/targets.js';
import { checkTarget, isFlagToken, tokenize, type Token } from '../args.js';
import type { ArgResult } from '../ports.js';

export const EXPORT_FORMATS = ['csv', 'json', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** One chat of an export, as the admin wrote it. */
export interface ExportTarget {
  readonly raw: string;
  readonly target: Target;
}

/** What `/export` was asked for (README, Member data and export). */
export interface ExportRequest {
  readonly targets: readonly ExportTarget[];
  readonly format: ExportFormat;
  readonly filter: MemberFilter;
  /** One file of the members present in every target, instead of one file per target. */
  readonly common: boolean;
  /** Add MEMBER_EXTRA_COLUMNS after the contract's columns. */
  readonly extra: boolean;
}

/** Chats one /export may name: each gets its own file (or part set). */
export const MAX_EXPORT_TARGETS = 20;
/** The longest `--active` look-back, as for `--days` of /scrape. */
export const MAX_ACTIVE_DAYS = 3650;

const VALUE_FLAGS = ['format', 'active'] as const;
const BOOL_FLAGS = ['no-bots', 'username', 'premium', 'admins', 'common', 'extra'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];
type BoolFlag = (typeof BOOL_FLAGS)[number];

const ALL_FLAGS = [...VALUE_FLAGS, ...BOOL_FLAGS].map((f) => `--${f}`);
const FLAG_LIST = `/export takes ${ALL_FLAGS.slice(0, -1).join(', ')} and ${ALL_FLAGS.at(-1)}.`;

const ok = <T>(value: T): ArgResult<T> => ({ ok: true, value });
const fail = <T>(message: string): ArgResult<T> => ({ ok: false, message });

const isValueFlag = (name: string): name is ValueFlag => (VALUE_FLAGS as readonly string[]).includes(name);
const isBoolFlag = (name: string): name is BoolFlag => (BOOL_FLAGS as readonly string[]).includes(name);

/** `30d`, `30 days`, `30`: whole days from 1 to MAX_ACTIVE_DAYS. */
export function parseActiveDays(raw: string): ArgResult<number> {
  const m = /^\s*(\d+)\s*(?:d|days?)?\s*$/i.exec(raw);
  const days = m?.[1] === undefined ? Number.NaN : Number(m[1]);
  if (!Number.isSafeInteger(days)) return fail(`--active needs a number of days, like --active 30d (got ${JSON.stringify(raw.slice(0, 40))}).`);
  if (days < 1 || days > MAX_ACTIVE_DAYS) return fail(`--active must be from 1 to ${MAX_ACTIVE_DAYS.toLocaleString('en-US')} days (got ${raw.trim().slice(0, 40)}).`);
  return ok(days);
}

export function parseFormat(raw: string): ArgResult<ExportFormat> {
  const format = raw.trim().toLowerCase();
  return (EXPORT_FORMATS as readonly string[]).includes(format)
    ? ok(format as ExportFormat)
    : fail(`--format must be csv, json or xlsx (got ${JSON.stringify(raw.slice(0, 40))}).`);
}

/**
 * Reads `/export`'s arguments: chats and options anywhere (`--name value` or `--name=value`; `--active`
 * also as `--active 30d`). Everything wrong is answered in plain words before anything is read.
 */
export function parseExportRequest(input: string): ArgResult<ExportRequest> {
  const tokenized = tokenize(input);
  if (!tokenized.ok) return tokenized;
  const tokens = tokenized.value;
  const positionals: Token[] = [];
  const values: Partial<Record<ValueFlag, string>> = {};
  const bools = new Set<BoolFlag>();
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    if (!isFlagToken(token)) {
      if (!token.quoted && /^-[a-zA-Z]/.test(token.value)) return fail(`Options start with two dashes, like --${token.value.slice(1).split('=')[0]}. ${FLAG_LIST}`);
      positionals.push(token);
      continue;
    }
    const body = token.value.replace(/^(?:--|—|–)/, '');
    const eq = body.indexOf('=');
    // Phones turn `--no-bots` into `—no—bots`; `--nobots` and `--no_bots` mean the same.
    const name = (eq === -1 ? body : body.slice(0, eq)).toLowerCase().replace(/[—–_]/g, '-').replace(/^nobots$/, 'no-bots');
    const inline = eq === -1 ? undefined : body.slice(eq + 1);
    if (isBoolFlag(name)) {
      if (inline !== undefined) return fail(`--${name} takes no value: write just --${name}.`);
      if (bools.has(name)) return fail(`--${name} is given twice.`);
      bools.add(name);
      continue;
    }
    if (!isValueFlag(name)) return fail(`Unknown option --${name}. ${FLAG_LIST}`);
    if (values[name] !== undefined) return fail(`--${name} is given twice.`);
    let raw = inline;
    if (raw === undefined) {
      const next = tokens[i + 1];
      if (next !== undefined && !isFlagToken(next)) {
        raw = next.value;
        i += 1;
      }
    }
    if (raw === undefined || raw.trim() === '') {
      return fail(name === 'format' ? '--format needs a format: csv, json or xlsx, like --format xlsx.' : '--active needs a number of days, like --active 30d.');
    }
    values[name] = raw;
  }

  const format = values.format === undefined ? ok<ExportFormat>('csv') : parseFormat(values.format);
  if (!format.ok) return format;
  const active = values.active === undefined ? undefined : parseActiveDays(values.active);
  if (active && !active.ok) return active;

  if (positionals.length === 0) return fail('Name the chat to export, like /export @somechat.');
  if (positionals.length > MAX_EXPORT_TARGETS) return fail(`/export takes at most ${MAX_EXPORT_TARGETS} chats at a time (got ${positionals.length}).`);
  const targets: ExportTarget[] = [];
  for (const token of positionals) {
    const target = checkTarget(token.value);
    if (!target.ok) return target;
    targets.push({ raw: token.value, target: target.value });
  }
  const common = bools.has('common');
  if (common && targets.length < 2) {
    return fail('--common keeps the members present in every chat named, so it needs at least two chats, like /export @first @second --common.');
  }

  const filter: MemberFilter = {
    ...(active ? { activeDays: active.value } : {}),
    ...(bools.has('no-bots') ? { noBots: true } : {}),
    ...(bools.has('username') ? { withUsername: true } : {}),
    ...(bools.has('premium') ? { premium: true } : {}),
    ...(bools.has('admins') ? { admins: true } : {}),
  };
  return ok({ targets, format: format.value, filter, common, extra: bools.has('extra') });
}

/** The filters in words, for captions and answers: `active within 30 days, no bots`; empty for none. */
export function describeFilter(filter: MemberFilter): string {
  const parts: string[] = [];
  if (filter.activeDays !== undefined) parts.push(`active within ${filter.activeDays} day${filter.activeDays === 1 ? '' : 's'}`);
  if (filter.noBots) parts.push('no bots');
  if (filter.withUsername) parts.push('with a username');
  if (filter.premium) parts.push('premium');
  if (filter.admins) parts.push('admins');
  return parts.join(', ');
}
