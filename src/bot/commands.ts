import type { Api } from 'grammy';
import type { BotCommand } from 'grammy/types';

/** The command menu (README.md, "Chat commands"), in the order Telegram shows it. */
export const COMMANDS: readonly BotCommand[] = [
  { command: 'status', description: 'Live panel: accounts, queue, scrapes' },
  { command: 'scrape', description: 'Scrape the members of a chat' },
  { command: 'bulk', description: 'Scrape many chats (or send a .txt list)' },
  { command: 'join', description: 'Join a chat' },
  { command: 'monitor', description: 'Watch chats for keywords' },
  { command: 'send', description: 'Send a message from an account' },
  { command: 'ops', description: 'Recent operations' },
  { command: 'cancel', description: 'Cancel an operation, or leave a question' },
  { command: 'export', description: 'Stored members as CSV, JSON or Excel, with filters' },
  { command: 'report', description: 'Activity report now' },
  { command: 'stats', description: "Chart and counts of a chat's stored members" },
  { command: 'schedule', description: 'Reports on a schedule' },
  { command: 'accounts', description: 'Accounts and their state' },
  { command: 'addaccount', description: 'Add an account' },
  { command: 'import', description: 'Add accounts from session files or strings' },
  { command: 'removeaccount', description: 'Remove an account' },
  { command: 'proxy', description: 'Proxies per account: set, clear, check, import' },
  { command: 'check', description: 'Check sessions and @SpamBot verdicts' },
  { command: 'help', description: 'What this panel can do' },
];

/**
 * Registers the command menu in the admins' chats only, so strangers are not shown what the panel can do.
 * Telegram refuses a chat scope for a user who never opened the bot: then the menu goes to everyone, so
 * that admin still gets it (strangers still cannot run anything).
 */
export async function registerCommands(api: Pick<Api, 'setMyCommands' | 'deleteMyCommands'>, adminIds: readonly number[]): Promise<void> {
  let everyone = adminIds.length === 0;
  for (const chatId of adminIds) {
    try {
      await api.setMyCommands([...COMMANDS], { scope: { type: 'chat', chat_id: chatId } });
    } catch {
      everyone = true;
    }
  }
  if (everyone) await api.setMyCommands([...COMMANDS]);
  else await api.deleteMyCommands();
}

/** The /start and /help text. */
export const HELP_TEXT = [
  'Switchboard drives a fleet of Telegram accounts: it scrapes members, joins chats, watches for keywords and sends messages.',
  '',
  'Chats can be given as @name, name, https://t.me/name, t.me/+HASH or https://t.me/joinchat/HASH.',
  '',
  '/status — live panel with buttons',
  '/scrape TARGET [--limit N] [--days N] [--account ID] [--join] — or /scrape alone, and I ask',
  '/bulk TARGET... — or send a .txt file, one chat a line',
  '/join TARGET',
  '/monitor add TARGET KEYWORD... · /monitor list · /monitor stop ID',
  '/send TARGET TEXT [--account ID]',
  '/ops · /cancel OP — /cancel alone stops a question I am asking',
  '/export TARGET... [--format csv|json|xlsx] [--active 30d] [--no-bots] [--username] [--premium] [--admins] [--common] [--extra] — stored members as files; --common keeps those in every chat named',
  '/report — activity report now',
  '/stats TARGET — chart and counts of the stored members: last seen, usernames, phones, premium, bots, admins, how they were found',
  '/schedule add "CRON" [CHAT] (or /schedule add alone, and I ask) · /schedule list · /schedule remove ID',
  '/accounts · /addaccount (phone → code → password, a session string, or qr to scan a QR code) · /removeaccount ID',
  '/proxy set ID URL · /proxy clear ID · /proxy check [ID] · /proxy import (a .txt file, one URL a line)',
  '/check ID · /check all — is the session alive, and what @SpamBot says: free, or limited (until when)',
  '/import — then send session files, a .zip of them, a zipped tdata folder or session strings (a document captioned /import PASSCODE for a tdata passcode)',
  '',
  'Put words with spaces in quotes: /monitor add @chat "used bike".',
].join('\n');
