import { Composer } from 'grammy';
import type { CheckResult } from '../../engine/operations/index.js';
import { Priority, type Account, type Operation } from '../../engine/types.js';
import { parseId, tokenize } from '../args.js';
import { verdictText } from '../check-verdict.js';
import type { BotContext } from '../context.js';
import type { FeatureDeps } from '../deps.js';
import { accountName, splitMessage, truncate } from '../format.js';
import { refuse } from '../reply.js';

const USAGE = 'Check an account’s session and its @SpamBot verdict: /check ID, or /check all for every account.';
const DEAD = 'dead: the session is no longer logged in';

/** What one check found, as one line of the answer (README.md, "Account checks"). */
function resultLine(account: Account, op: Operation | { readonly refused: string }): string {
  const name = accountName(account);
  if ('refused' in op) return `${name}: not checked: ${op.refused}`;
  if (op.status === 'succeeded') {
    const { verdict } = op.result as CheckResult;
    switch (verdict.kind) {
      case 'free':
        return `${name}: alive, free`;
      case 'limited':
        return `${name}: alive, ${verdictText({ verdict: 'limited', until: verdict.until })}`;
      case 'unrecognised':
        return `${name}: alive, but @SpamBot’s answer was not understood, so nothing changed: “${truncate(verdict.text, 80)}”`;
    }
  }
  if (op.error?.kind === 'dead') return `${name}: ${DEAD}`;
  return `${name}: not checked: ${op.error?.message ?? op.status}`;
}

/**
 * /check ID and /check all (README.md, "Account checks"): each account's session and @SpamBot verdict, one line
 * per account once every check has ended. A dead account is not asked again: its line says so at once.
 */
export function checkFeature(deps: FeatureDeps): Composer<BotContext> {
  const { engine } = deps;
  const composer = new Composer<BotContext>();

  composer.command('check', async (ctx) => {
    const tokens = tokenize(ctx.match);
    if (!tokens.ok) return refuse(ctx, tokens.message);
    const words = tokens.value.map((t) => t.value);
    if (words.length !== 1) return refuse(ctx, words.length === 0 ? USAGE : `Check one account or all of them. ${USAGE}`);
    let accounts: Account[];
    if (words[0]?.toLowerCase() === 'all') {
      accounts = await engine.listAccounts();
      if (accounts.length === 0) return refuse(ctx, 'There are no accounts to check: add one with /addaccount.');
    } else {
      const id = parseId(words[0], 'account', '/check ID');
      if (!id.ok) return refuse(ctx, `${id.message} ${USAGE}`);
      const account = await engine.getAccount(id.value);
      if (!account) return refuse(ctx, `There is no account #${id.value}. /accounts lists them.`);
      accounts = [account];
    }
    const requestedBy = ctx.from?.id ?? null;
    const lines = await Promise.all(
      accounts.map(async (account) => {
        if (account.state === 'dead') return `${accountName(account)}: ${DEAD}`;
        // A paused account runs nothing, a check included, until an admin resumes it.
        if (account.paused) return `${accountName(account)}: not checked: it is paused (resume it on its /status screen first)`;
        // Above the daily round's checks (priority 0): an admin is waiting for this one.
        const submitted = await engine.submit({ kind: 'check', accountId: account.id, params: { trigger: 'admin' }, priority: Priority.other, requestedBy });
        if (submitted.kind === 'refused') return resultLine(account, { refused: submitted.message });
        const op = await engine.waitFor(submitted.operation.id);
        return resultLine(await engine.getAccount(account.id) ?? account, op);
      }),
    );
    ctx.setOutcome(`checked ${accounts.length} account(s)`);
    for (const part of splitMessage(lines.join('\n'))) await ctx.reply(part);
  });

  return composer;
}
