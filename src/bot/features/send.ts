import { Composer } from 'grammy';
import { ACCOUNT_FLAG, checkAccount, checkTarget, isFlagToken, parseWholeNumber, tokenize, type Token } from '../args.js';
import type { BotContext } from '../context.js';
import type { FeatureDeps } from '../deps.js';
import type { ArgResult } from '../ports.js';
import { refuse } from '../reply.js';
import { submitFromChat } from './submit.js';

const MAX_TEXT = 4096;
const USAGE = 'Write it like this: /send @username Hello there! (add --account 2 to pick the account).';

export interface SendArgs {
  readonly target: string;
  readonly text: string;
  readonly account: number | undefined;
}

/**
 * Reads `/send TARGET TEXT [--account ID]`. The text is taken verbatim (line breaks, spacing) from the
 * message; `--account ID` is recognised before or after it, and any other option there is refused
 * rather than sent as part of the message.
 */
export function parseSendArgs(input: string): ArgResult<SendArgs> {
  const tokenized = tokenize(input);
  if (!tokenized.ok) return tokenized;
  const tokens = [...tokenized.value];
  let account: number | undefined;
  const takeAccount = (flag: Token, value: Token | undefined): ArgResult<null> => {
    const name = flag.value.replace(/^(?:--|—|–)/, '').split('=')[0]?.toLowerCase();
    if (name !== 'account') return { ok: false, message: `Unknown option --${name}. /send takes only --account ID.` };
    if (account !== undefined) return { ok: false, message: '--account is given twice.' };
    const inline = flag.value.includes('=') ? flag.value.slice(flag.value.indexOf('=') + 1) : undefined;
    const raw = inline ?? value?.value;
    if (raw === undefined || raw === '') return { ok: false, message: '--account needs a number, like --account 2.' };
    const id = parseWholeNumber(raw, '--account', ACCOUNT_FLAG);
    if (!id.ok) return id;
    account = id.value;
    return { ok: true, value: null };
  };
  // Leading option.
  const head = tokens[0];
  if (head && isFlagToken(head)) {
    const inline = head.value.includes('=');
    const taken = takeAccount(head, inline ? undefined : tokens[1]);
    if (!taken.ok) return taken;
    tokens.splice(0, inline ? 1 : 2);
  }
  // Trailing option.
  const last = tokens.at(-1);
  const beforeLast = tokens.at(-2);
  if (last && isFlagToken(last) && last.value.includes('=')) {
    const taken = takeAccount(last, undefined);
    if (!taken.ok) return taken;
    tokens.pop();
  } else if (beforeLast && last && isFlagToken(beforeLast) && tokens.length > 2) {
    const taken = takeAccount(beforeLast, last);
    if (!taken.ok) return taken;
    tokens.splice(-2, 2);
  } else if (last && isFlagToken(last) && tokens.length > 1) {
    const name = last.value.replace(/^(?:--|—|–)/, '').toLowerCase();
    return { ok: false, message: name === 'account' ? '--account needs a number, like --account 2.' : `Unknown option --${name}. /send takes only --account ID.` };
  }
  const [target, ...words] = tokens;
  if (!target) return { ok: false, message: `Say who to send to and what. ${USAGE}` };
  const first = words[0];
  const lastWord = words.at(-1);
  if (!first || !lastWord) return { ok: false, message: `The message text is missing. ${USAGE}` };
  const text = words.length === 1 && first.quoted ? first.value : input.slice(first.start, lastWord.end);
  if (text.trim() === '') return { ok: false, message: `The message text is missing. ${USAGE}` };
  if (text.length > MAX_TEXT) return { ok: false, message: `The message is too long: ${text.length} characters, Telegram allows ${MAX_TEXT}.` };
  return { ok: true, value: { target: target.value, text, account } };
}

/** /send TARGET TEXT [--account ID] */
export function sendFeature(deps: FeatureDeps): Composer<BotContext> {
  const { engine } = deps;
  const composer = new Composer<BotContext>();
  composer.command('send', async (ctx) => {
    const args = parseSendArgs(ctx.match);
    if (!args.ok) return refuse(ctx, args.message);
    const checked = checkTarget(args.value.target);
    if (!checked.ok) return refuse(ctx, checked.message);
    const account = await checkAccount(engine, args.value.account);
    if (!account.ok) return refuse(ctx, account.message);
    await submitFromChat(ctx, engine, { kind: 'send', accountId: account.value, params: { target: args.value.target, text: args.value.text } });
  });
  return composer;
}
