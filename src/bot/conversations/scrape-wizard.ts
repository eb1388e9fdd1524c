import type { Context } from 'grammy';
import { checkTarget, LIMIT_FLAG, parseWholeNumber } from '../args.js';
import type { FeatureDeps } from '../deps.js';
import { submitScrape } from '../features/scrape.js';
import type { ArgResult } from '../ports.js';
import { Dialog, type DialogOptions, type PanelConversation } from './dialog.js';

const TARGET_PROMPT = 'Which chat should I scrape? Send @username, a t.me link or an invite link like t.me/+AbCdEf123. /cancel stops.';
const LIMIT_PROMPT = 'How many members at most? Send a number from 1 to 10,000,000, or all.';
const JOIN_PROMPT = 'Join the chat first if it needs it? Send yes or no.';

/** The chat, kept as the admin wrote it: the engine reads it the way `/scrape TARGET` passes it. */
function parseChat(text: string): ArgResult<string> {
  const checked = checkTarget(text);
  return checked.ok ? { ok: true, value: text.trim() } : checked;
}

/** A limit, or null for all. */
function parseLimit(text: string): ArgResult<number | null> {
  if (/^\s*(all|no limit|everyone|everything)\s*$/i.test(text)) return { ok: true, value: null };
  return parseWholeNumber(text, 'The limit', LIMIT_FLAG);
}

function parseYesNo(text: string): ArgResult<boolean> {
  const answer = text.trim().toLowerCase();
  if (/^(y|yes|yep|sure|ok|join)$/.test(answer)) return { ok: true, value: true };
  if (/^(n|no|nope|don't|dont)$/.test(answer)) return { ok: true, value: false };
  return { ok: false, message: `Answer yes or no (got ${JSON.stringify(text.trim().slice(0, 30))}).` };
}

/** /scrape without arguments: target → limit → join, then submitted as `/scrape TARGET --limit N [--join]`. */
export function scrapeWizard(deps: FeatureDeps, dialog: Omit<DialogOptions, 'command'>) {
  const { engine } = deps;
  return async function scrape(conversation: PanelConversation, ctx: Context): Promise<void> {
    const talk = new Dialog(conversation, ctx, { ...dialog, command: '/scrape' });
    const target = await talk.askFor(TARGET_PROMPT, parseChat);
    const limit = await talk.askFor(LIMIT_PROMPT, parseLimit);
    const join = await talk.askFor(JOIN_PROMPT, parseYesNo);
    await talk.run((outside) => submitScrape(outside, engine, { target, ...(limit !== null ? { limit } : {}), join }));
  };
}
