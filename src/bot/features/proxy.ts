import { Composer } from 'grammy';
import type { ProxyChangeResult } from '../../engine/engine.js';
import { PROXY_DOWN } from '../../engine/errors.js';
import { PROXY_CHECK, type ProxyCheckResult } from '../../engine/operations/proxy-check.js';
import { hasSecret, parseProxyUrl, showProxy, type ProxySetting } from '../../engine/proxy-url.js';
import type { Account } from '../../engine/types.js';
import { parseId } from '../args.js';
import { readCommand } from '../audit.js';
import type { BotContext } from '../context.js';
import type { FeatureDeps } from '../deps.js';
import { accountName, splitMessage } from '../format.js';
import type { PanelEngine } from '../ports.js';
import { refuse } from '../reply.js';

export const PROXY_USAGE = [
  'A proxy per account:',
  '/proxy set ID URL — URL is socks5://[user:password@]host:port, socks4://host:port or an MTProxy link (https://t.me/proxy?server=…&port=…&secret=… or tg://proxy?…)',
  '/proxy clear ID',
  '/proxy check [ID] — the round-trip time through it (every account’s proxy without ID)',
  '/proxy import — send a .txt file with the caption /proxy import, one URL a line: they go one each to the accounts without a proxy, in account order',
].join('\n');

/** Largest .txt list of proxies accepted, in bytes (a few thousand URLs). */
export const MAX_PROXY_LIST_BYTES = 64 * 1024;

type ProxyEngine = Pick<PanelEngine, 'getAccount' | 'listAccounts' | 'setProxy' | 'reconnectAccount' | 'submit' | 'waitFor'>;

/** Why an account kept its connection after a change, and when the change applies. */
const KEPT = {
  busy: 'It is still busy, so it keeps its connection for now; the change applies at its next connection.',
  monitoring: 'Its monitors watch its connection, so it keeps it; the change applies at its next connection (the next start of the panel).',
} as const;

/** How an account's connection stands, in words. */
function connectionWords(account: Account): string {
  if (account.state === 'disconnected' && account.lastError === PROXY_DOWN) return PROXY_DOWN;
  return `it is ${account.state}`;
}

function changeAnswer(result: Extract<ProxyChangeResult, { kind: 'ok' }>, what: string): string {
  const name = accountName(result.account);
  if (result.reconnect === 'busy' || result.reconnect === 'monitoring') return `✅ Account ${name} ${what}. ${KEPT[result.reconnect]}`;
  return `✅ Account ${name} ${what}; ${connectionWords(result.account)}.`;
}

/** What /proxy check says of one account's proxy: its round trip, or that it does not answer. */
async function checkOne(engine: ProxyEngine, id: number): Promise<string> {
  let account = await engine.getAccount(id);
  if (!account?.proxy) return `${account ? accountName(account) : `#${id}`}: no proxy`;
  const shown = `${accountName(account)} · ${account.proxy.address} (${account.proxy.scheme})`;
  // A connection that failed is tried again now, through the proxy; that is the check.
  if (account.state === 'disconnected' || account.state === 'connecting') {
    await engine.reconnectAccount(id);
    account = await engine.getAccount(id);
    if (!account) return `${shown}: the account was removed`;
  }
  if (account.state === 'disconnected') return `${shown}: does not answer`;
  if (!['idle', 'busy', 'monitoring'].includes(account.state)) return `${shown}: not checked, the account is ${account.state}`;
  const submitted = await engine.submit({ kind: PROXY_CHECK, accountId: id });
  if (submitted.kind !== 'queued') return `${shown}: not checked (${submitted.message})`;
  const done = await engine.waitFor(submitted.operation.id);
  if (done.status === 'succeeded') return `${shown}: answers, round trip ${(done.result as ProxyCheckResult).rttMs} ms`;
  const now = await engine.getAccount(id);
  if (now?.lastError === PROXY_DOWN || done.error?.kind === 'proxy_down') return `${shown}: does not answer`;
  return `${shown}: no answer (${done.error?.message ?? done.status})`;
}

interface ImportLine {
  readonly line: number;
  readonly proxy: ProxySetting;
}

/** /proxy set, clear, check and import (README.md, "Proxies"). */
export function proxyFeature(deps: FeatureDeps): Composer<BotContext> {
  const { engine, services, logger } = deps;
  const composer = new Composer<BotContext>();
  const deleteSecret = (ctx: BotContext) =>
    ctx.deleteMessage().catch((error: unknown) => logger.warn({ err: error }, 'could not delete a message holding a proxy password'));

  const accountOf = async (raw: string | undefined, usage: string): Promise<{ ok: true; account: Account } | { ok: false; message: string }> => {
    const id = parseId(raw, 'account', usage);
    if (!id.ok) return id;
    const account = await engine.getAccount(id.value);
    return account ? { ok: true, account } : { ok: false, message: `There is no account #${id.value}. /accounts lists them.` };
  };

  const importList = async (ctx: BotContext, text: string) => {
    const entries = text.split(/\r?\n/).map((raw, i) => ({ raw: raw.trim(), line: i + 1 })).filter((e) => e.raw !== '' && !e.raw.startsWith('#'));
    if (entries.length === 0) return refuse(ctx, 'The file has no proxies in it: put one URL a line. Nothing was changed.');
    const problems: string[] = [];
    const lines: ImportLine[] = [];
    const seen = new Map<string, number>();
    for (const entry of entries) {
      const parsed = parseProxyUrl(entry.raw);
      if (!parsed.ok) {
        problems.push(`line ${entry.line}: ${parsed.reason}`);
        continue;
      }
      const key = showProxy(parsed.proxy);
      const first = seen.get(key);
      if (first !== undefined) problems.push(`line ${entry.line}: the same proxy as line ${first}`);
      else seen.set(key, entry.line);
      lines.push({ line: entry.line, proxy: parsed.proxy });
    }
    if (problems.length > 0) {
      const more = problems.length > 10 ? `\n…and ${problems.length - 10} more` : '';
      return refuse(ctx, `Nothing was changed: ${problems.length} line${problems.length === 1 ? ' is' : 's are'} not usable.\n${problems.slice(0, 10).join('\n')}${more}`);
    }
    const accounts = await engine.listAccounts();
    if (lines.length > accounts.length) {
      return refuse(ctx, `The file has ${lines.length} proxies but there are only ${accounts.length} accounts; nothing was changed. Send at most one proxy per account.`);
    }
    const free = accounts.filter((a) => a.proxy === null).sort((a, b) => a.id - b.id);
    if (free.length === 0) return refuse(ctx, 'Every account has a proxy already; nothing was changed. /proxy clear ID frees one.');
    const pairs = free.slice(0, lines.length).map((account, i) => ({ account, entry: lines[i] as ImportLine }));
    const results = await Promise.all(pairs.map(({ account, entry }) => engine.setProxy(account.id, entry.proxy)));
    const done = results.flatMap((r, i) => (r.kind === 'ok' ? [{ result: r, entry: (pairs[i] as (typeof pairs)[number]).entry }] : []));
    const failed = results.flatMap((r, i) => (r.kind === 'ok' ? [] : [`line ${(pairs[i] as (typeof pairs)[number]).entry.line}: ${r.message}`]));
    const leftOver = lines.slice(pairs.length);
    ctx.setOutcome(`bound ${done.length} proxies`);
    const out = [`✅ ${done.length} prox${done.length === 1 ? 'y' : 'ies'} bound, in account order:`];
    for (const { result, entry } of done) {
      const words = result.reconnect === 'busy' || result.reconnect === 'monitoring' ? `${result.reconnect}: it switches at its next connection` : connectionWords(result.account);
      out.push(`${accountName(result.account)} → ${showProxy(entry.proxy)} (line ${entry.line}; ${words})`);
    }
    if (failed.length > 0) out.push('', 'Not bound:', ...failed);
    if (leftOver.length > 0) {
      out.push('', `Left over, no account without a proxy for ${leftOver.length === 1 ? 'it' : 'them'}: line${leftOver.length === 1 ? '' : 's'} ${leftOver.map((l) => l.line).join(', ')}`);
    }
    for (const part of splitMessage(out.join('\n'))) await ctx.reply(part);
  };

  composer.command('proxy', async (ctx, next) => {
    // A .txt list with the caption /proxy import is handled below.
    if (ctx.message?.document) return next();
    const words = ctx.match.trim().split(/\s+/).filter(Boolean);
    const [sub, ...rest] = words;
    switch (sub?.toLowerCase()) {
      case 'set': {
        const [rawId, url, ...extra] = rest;
        const parsed = url === undefined ? undefined : parseProxyUrl(url);
        // A password or a secret must not stay in the chat history, whatever happens next (a URL that could
        // not be read may still have carried one).
        const mayHoldSecret = parsed?.ok ? hasSecret(parsed.proxy) : /@|secret=/i.test(url ?? '');
        if (mayHoldSecret) await deleteSecret(ctx);
        const account = await accountOf(rawId, '/proxy set ID URL (see /accounts)');
        if (!account.ok) return refuse(ctx, account.message);
        if (parsed === undefined) return refuse(ctx, `The proxy URL is missing.\n\n${PROXY_USAGE}`);
        if (extra.length > 0) return refuse(ctx, 'Give one proxy URL, with no spaces: /proxy set ID URL.');
        if (!parsed.ok) return refuse(ctx, `That proxy URL cannot be used: ${parsed.reason}. Nothing was changed.`);
        const result = await engine.setProxy(account.account.id, parsed.proxy);
        if (result.kind !== 'ok') return refuse(ctx, result.message);
        ctx.setOutcome(`proxy set on account #${result.account.id}`);
        return ctx.reply(changeAnswer(result, `now uses ${showProxy(parsed.proxy)}`));
      }
      case 'clear': {
        if (rest.length > 1) return refuse(ctx, 'Clear one account’s proxy at a time: /proxy clear ID.');
        const account = await accountOf(rest[0], '/proxy clear ID (see /accounts)');
        if (!account.ok) return refuse(ctx, account.message);
        if (!account.account.proxy) return refuse(ctx, `Account ${accountName(account.account)} has no proxy; nothing was changed.`);
        const result = await engine.setProxy(account.account.id, null);
        if (result.kind !== 'ok') return refuse(ctx, result.message);
        ctx.setOutcome(`proxy cleared on account #${result.account.id}`);
        return ctx.reply(changeAnswer(result, 'no longer uses a proxy'));
      }
      case 'check': {
        if (rest.length > 1) return refuse(ctx, 'Check one account or all: /proxy check [ID].');
        let ids: number[];
        if (rest[0] !== undefined) {
          const account = await accountOf(rest[0], '/proxy check [ID]');
          if (!account.ok) return refuse(ctx, account.message);
          if (!account.account.proxy) return refuse(ctx, `Account ${accountName(account.account)} has no proxy. Set one with /proxy set ${account.account.id} URL.`);
          ids = [account.account.id];
        } else {
          ids = (await engine.listAccounts()).filter((a) => a.proxy !== null).map((a) => a.id);
          if (ids.length === 0) return refuse(ctx, 'No account has a proxy. Set one with /proxy set ID URL, or send a list with /proxy import.');
        }
        const lines = await Promise.all(ids.map((id) => checkOne(engine, id)));
        ctx.setOutcome(`checked ${ids.length} proxies`);
        for (const part of splitMessage([`🔌 Proxy check`, '', ...lines].join('\n'))) await ctx.reply(part);
        return;
      }
      case 'import':
        return refuse(ctx, `Send the proxies as a .txt file with the caption /proxy import, one URL a line.`);
      default:
        return refuse(ctx, sub === undefined ? PROXY_USAGE : `/proxy does not know "${sub.slice(0, 30)}".\n\n${PROXY_USAGE}`);
    }
  });

  composer.on('message:document', async (ctx, next) => {
    const command = readCommand(ctx);
    if (command?.command !== 'proxy') return next();
    const doc = ctx.message.document;
    if (command.args.trim().toLowerCase() !== 'import') return refuse(ctx, `A file goes with the caption /proxy import.\n\n${PROXY_USAGE}`);
    const isList = doc.mime_type === 'text/plain' || /\.txt$/i.test(doc.file_name ?? '');
    if (!isList) return refuse(ctx, 'Send the proxies as a .txt file, one URL a line. Nothing was changed.');
    if (doc.file_size !== undefined && doc.file_size > MAX_PROXY_LIST_BYTES) {
      return refuse(ctx, `The list is too big (${Math.round(doc.file_size / 1024)} KB); send at most ${MAX_PROXY_LIST_BYTES / 1024} KB. Nothing was changed.`);
    }
    let text: string;
    try {
      const file = await ctx.getFile();
      if (!file.file_path) throw new Error('no file_path');
      const bytes = await services.downloadFile(file.file_path);
      if (bytes.length > MAX_PROXY_LIST_BYTES) return refuse(ctx, `The list is too big; send at most ${MAX_PROXY_LIST_BYTES / 1024} KB. Nothing was changed.`);
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (error) {
      logger.warn({ err: error }, 'could not read a /proxy import list');
      return refuse(ctx, 'I could not read that file. Send a plain UTF-8 .txt file with one proxy URL a line. Nothing was changed.');
    }
    // The list holds passwords: it does not stay in the chat.
    await deleteSecret(ctx);
    await importList(ctx, text);
  });

  return composer;
}
