import { parseTarget, type Target } from '../engine/operations/targets.js';
import type { ArgResult, PanelEngine } from './ports.js';

/** One word of a command; `start`/`end` index the raw input, so free text can be cut out verbatim. */
export interface Token {
  readonly value: string;
  readonly quoted: boolean;
  readonly start: number;
  readonly end: number;
}

export interface IntFlag {
  readonly kind: 'int';
  readonly min: number;
  readonly max: number;
  /** Shown in "needs a number, like --limit 500". */
  readonly example: number;
}

export interface BoolFlag {
  readonly kind: 'bool';
}

/** The options a command takes, by name without dashes. */
export type FlagSpec = Readonly<Record<string, IntFlag | BoolFlag>>;

export interface ParsedArgs {
  readonly positionals: readonly Token[];
  readonly flags: Readonly<Record<string, number | boolean>>;
}

export const LIMIT_FLAG: IntFlag = { kind: 'int', min: 1, max: 10_000_000, example: 5000 };
export const DAYS_FLAG: IntFlag = { kind: 'int', min: 1, max: 3650, example: 7 };
export const ACCOUNT_FLAG: IntFlag = { kind: 'int', min: 1, max: Number.MAX_SAFE_INTEGER, example: 2 };
export const JOIN_FLAG: BoolFlag = { kind: 'bool' };

const ok = <T>(value: T): ArgResult<T> => ({ ok: true, value });
const fail = <T>(message: string): ArgResult<T> => ({ ok: false, message });

/** Opening quote → closing quote. Phones turn " into “ ” and some keyboards type « ». */
const QUOTES: Readonly<Record<string, string>> = { '"': '"', "'": "'", '“': '”', '„': '“', '«': '»', '‘': '’' };
/** Phones autocorrect `--` into a dash; flags typed that way are still flags. */
const FLAG_PREFIX = /^(?:--|—|–)(?=[a-zA-Z])/;

const formatNumber = (n: number) => n.toLocaleString('en-US');

/**
 * Splits a command's arguments at whitespace. Quotes group words (`"used bike"`); inside them `\"`
 * is a quote. An unclosed quote is an error rather than a guess.
 */
export function tokenize(input: string): ArgResult<Token[]> {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    const close = QUOTES[ch];
    if (close !== undefined) {
      const start = i;
      let value = '';
      i += 1;
      let closed = false;
      while (i < input.length) {
        const c = input[i] as string;
        if (c === '\\' && (input[i + 1] === close || input[i + 1] === '\\')) {
          value += input[i + 1];
          i += 2;
          continue;
        }
        if (c === close || (close === '"' && c === '”')) {
          closed = true;
          i += 1;
          break;
        }
        value += c;
        i += 1;
      }
      if (!closed) return fail(`A quote is not closed: add the closing ${close} after ${JSON.stringify(value.slice(0, 30))}.`);
      tokens.push({ value, quoted: true, start, end: i });
      continue;
    }
    const start = i;
    while (i < input.length && !/\s/.test(input[i] as string)) i += 1;
    tokens.push({ value: input.slice(start, i), quoted: false, start, end: i });
  }
  return ok(tokens);
}

/** Whether a token is written as an option (`--name`, `—name`). */
export function isFlagToken(token: Token): boolean {
  return !token.quoted && FLAG_PREFIX.test(token.value);
}

function flagList(spec: FlagSpec): string {
  const names = Object.keys(spec).map((n) => `--${n}`);
  if (names.length === 0) return 'This command takes no options.';
  return `This command takes ${names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`}.`;
}

/** Reads a whole number, allowing 10,000 and 10_000; answers in plain words when it is not one or out of range. */
export function parseWholeNumber(raw: string, what: string, range: { min: number; max: number }): ArgResult<number> {
  const text = raw.trim().replace(/[,_](?=\d{3}\b)/g, '');
  if (!/^[+-]?\d+$/.test(text)) return fail(`${what} must be a whole number (got ${JSON.stringify(raw.slice(0, 40))}).`);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < range.min || n > range.max) {
    const bound = range.max >= Number.MAX_SAFE_INTEGER ? `at least ${formatNumber(range.min)}` : `from ${formatNumber(range.min)} to ${formatNumber(range.max)}`;
    return fail(`${what} must be ${bound} (got ${raw.trim().slice(0, 40)}).`);
  }
  return ok(n);
}

/**
 * Tokenizes `input` and takes out the options of `spec` (anywhere, `--name value` or `--name=value`).
 * Unknown options, missing or bad values and repeats are refused in plain words.
 */
export function parseArgs(input: string, spec: FlagSpec): ArgResult<ParsedArgs> {
  const tokenized = tokenize(input);
  if (!tokenized.ok) return tokenized;
  const tokens = tokenized.value;
  const positionals: Token[] = [];
  const flags: Record<string, number | boolean> = {};
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    if (!token.quoted && token.value === '--') {
      positionals.push(...tokens.slice(i + 1));
      break;
    }
    if (!isFlagToken(token)) {
      if (!token.quoted && /^-[a-zA-Z]/.test(token.value)) {
        return fail(`Options start with two dashes, like --${token.value.slice(1).split('=')[0]}. ${flagList(spec)}`);
      }
      positionals.push(token);
      continue;
    }
    const body = token.value.replace(FLAG_PREFIX, '');
    const eq = body.indexOf('=');
    const name = (eq === -1 ? body : body.slice(0, eq)).toLowerCase();
    const inline = eq === -1 ? undefined : body.slice(eq + 1);
    const flag = spec[name];
    if (!flag) return fail(`Unknown option --${name}. ${flagList(spec)}`);
    if (name in flags) return fail(`--${name} is given twice.`);
    if (flag.kind === 'bool') {
      if (inline !== undefined) return fail(`--${name} takes no value: write just --${name}.`);
      flags[name] = true;
      continue;
    }
    let raw = inline;
    if (raw === undefined) {
      const next = tokens[i + 1];
      if (next === undefined || isFlagToken(next)) return fail(`--${name} needs a number, like --${name} ${flag.example}.`);
      raw = next.value;
      i += 1;
    }
    if (raw === '') return fail(`--${name} needs a number, like --${name} ${flag.example}.`);
    const value = parseWholeNumber(raw, `--${name}`, flag);
    if (!value.ok) return value;
    flags[name] = value.value;
  }
  return ok({ positionals, flags });
}

/** Checks a chat target (the forms README.md lists under "Chat commands") before anything is submitted. */
export function checkTarget(raw: string): ArgResult<Target> {
  const parsed = parseTarget(raw);
  return parsed.ok ? ok(parsed.target) : fail(parsed.message);
}

/** An account id given with --account must name an account that exists. */
export async function checkAccount(engine: Pick<PanelEngine, 'getAccount'>, id: number | boolean | undefined): Promise<ArgResult<number | null>> {
  if (id === undefined || typeof id === 'boolean') return ok(null);
  if (!(await engine.getAccount(id))) return fail(`There is no account #${id}. /accounts lists them.`);
  return ok(id);
}

/** An id of something the panel lists (operations, monitors, schedules, accounts). */
export function parseId(raw: string | undefined, what: string, usage: string): ArgResult<number> {
  if (raw === undefined || raw.trim() === '') return fail(`Say which ${what}: ${usage}.`);
  return parseWholeNumber(raw.replace(/^#/, ''), `The ${what} number`, { min: 1, max: Number.MAX_SAFE_INTEGER });
}
