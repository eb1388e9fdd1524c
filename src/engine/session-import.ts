import { Mutex } from 'async-mutex';
import type { Logger } from 'pino';
import { Api, type TelegramClient } from 'telegram';
import { toStringSession, type ImportedSession, type SessionItem } from '../sessions/index.js';
import type { AccountIdentity } from './account-identity.js';
import type { LoginEngine } from './login.js';
import { classifyError, formatSeconds } from './errors.js';
import { classifyTelegramError } from './operations/telegram-errors.js';

/** How one imported session ended (README, "Importing sessions"). */
export type ImportOutcome =
  | { readonly kind: 'added'; readonly accountId: number }
  | { readonly kind: 'present'; readonly accountId: number }
  | { readonly kind: 'dead'; readonly reason: string }
  | { readonly kind: 'unreadable'; readonly reason: string }
  | { readonly kind: 'failed'; readonly reason: string };

export interface ImportLine {
  /** Where the session was found (a file name, `string 2`, `sessions.zip: a/b.session`); never its content. */
  readonly source: string;
  readonly outcome: ImportOutcome;
}

/** A connected client on an imported session, presenting the sidecar's device and app when there is one. */
/** Connects a client on `session` presenting `identity` (client-factory's loginClient). */
export type SessionProbe = (session: string, identity: AccountIdentity) => Promise<TelegramClient>;

export interface SessionImporterOptions {
  readonly engine: Pick<LoginEngine, 'listAccounts' | 'addAccount' | 'recordHealthCheck' | 'proposeIdentity'>;
  /** The client path every account uses (client-factory's loginClient), with the sandbox transport in sandbox mode. */
  readonly probe: SessionProbe;
  readonly logger: Logger;
  /**
   * Sessions checked with Telegram at once.
   * @default 4
   */
  readonly concurrency?: number;
  /**
   * How long connecting and asking who the session is may take, in ms.
   * @default 20000
   */
  readonly timeoutMs?: number;
}

type WhoAmI = { readonly kind: 'user'; readonly user: Api.User } | { readonly kind: 'dead'; readonly reason: string } | { readonly kind: 'failed'; readonly reason: string };

/**
 * Adds accounts from imported sessions. Each session is connected through the panel's one client path and
 * asked who it is (users.getUsers of InputUserSelf, what GramJS's getMe sends) before anything is stored;
 * an account whose Telegram user or phone is already registered is not added twice. The account row is
 * written in one insert, with its session, device profile and app credential, only after that check passed.
 */
export function createSessionImporter(options: SessionImporterOptions) {
  const { engine, probe, concurrency = 4, timeoutMs = 20_000 } = options;
  const log = options.logger.child({ module: 'import' });
  // The duplicate check and the insert run one session at a time and in the order of the import (the checks
  // with Telegram run side by side): of two copies of one session, the first is added and the second is
  // already present, every time.
  const adding = new Mutex();

  const whoAmI = async (session: string, identity: AccountIdentity): Promise<WhoAmI> => {
    let client: TelegramClient | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut = false;
    const timeout = new Promise<WhoAmI>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve({ kind: 'failed', reason: `Telegram did not answer within ${formatSeconds(Math.max(1, Math.round(timeoutMs / 1000)))}` });
      }, timeoutMs);
    });
    const check = (async (): Promise<WhoAmI> => {
      client = await probe(session, identity);
      const users = await client.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] }));
      const user = users[0];
      if (!(user instanceof Api.User)) return { kind: 'dead', reason: 'Telegram knows no user for it' };
      return { kind: 'user', user };
    })().catch((error: unknown): WhoAmI => {
      const failure = classifyTelegramError(error) ?? classifyError(error);
      return failure.kind === 'dead' ? { kind: 'dead', reason: failure.message } : { kind: 'failed', reason: failure.message };
    });
    // The check's client is the probe's alone; the account gets its own once it is added.
    const close = () => check.then(() => client?.destroy()).catch(() => undefined);
    const result = await Promise.race([check, timeout]);
    clearTimeout(timer);
    // A check that timed out is left to end on its own; its client closes when it does.
    if (timedOut) void close();
    else await close();
    return result;
  };

  /** `myTurn` resolves once every earlier session of the import has been added or refused. */
  const importOne = async (imported: ImportedSession, myTurn: Promise<void>): Promise<ImportOutcome> => {
    const session = await toStringSession(imported);
    // The check presents what the account will keep: the sidecar's device and app, else the ones it is
    // assigned now (README, Accounts: device and app credential).
    const identity = await engine.proposeIdentity({ device: imported.sidecar?.device, credentials: imported.sidecar?.credentials });
    if (!identity) return { kind: 'failed', reason: 'no app credential is configured: set API_ID and API_HASH' };
    const who = await whoAmI(session, identity);
    if (who.kind !== 'user') return who;
    const { user } = who;
    if (user.bot) return { kind: 'unreadable', reason: 'it is a bot’s session; only user accounts can be added' };
    const userId = user.id.toJSNumber();
    const phone = user.phone ? `+${user.phone.replace(/\D/g, '')}` : imported.sidecar?.phone;
    if (phone === undefined) return { kind: 'failed', reason: 'Telegram did not tell the account’s phone number' };
    await myTurn;
    return adding.runExclusive(async (): Promise<ImportOutcome> => {
      const existing = (await engine.listAccounts()).find((a) => a.telegramUserId === userId || a.phone === phone);
      if (existing) return { kind: 'present', accountId: existing.id };
      const added = await engine.addAccount({
        phone,
        label: user.firstName ?? null,
        session,
        device: identity.device,
        credentials: identity.credentials,
      });
      if (added.kind !== 'ok') return { kind: 'failed', reason: added.message };
      await engine.recordHealthCheck(added.account.id, { telegramUserId: userId, username: user.username ?? null, firstName: user.firstName ?? null });
      return { kind: 'added', accountId: added.account.id };
    });
  };

  return {
    /**
     * Checks and adds every session of `items` (unreadable ones are answered as they are), `concurrency` at
     * a time; `onProgress` hears after each one. The lines come back in the order of `items`.
     */
    async importAll(items: readonly SessionItem[], onProgress?: (done: number, total: number) => void): Promise<ImportLine[]> {
      const lines: ImportLine[] = new Array<ImportLine>(items.length);
      // gates[i] opens when item i is through; workers take items in order, so no item waits for a later one.
      const gates = items.map(() => {
        let open = () => undefined as void;
        const promise = new Promise<void>((resolve) => (open = resolve));
        return { promise, resolve: open };
      });
      let next = 0;
      let done = 0;
      const worker = async () => {
        for (let i = next++; i < items.length; i = next++) {
          const item = items[i] as SessionItem;
          const myTurn = i === 0 ? Promise.resolve() : (gates[i - 1]?.promise ?? Promise.resolve());
          let outcome: ImportOutcome;
          if (item.kind === 'unreadable') outcome = { kind: 'unreadable', reason: item.reason };
          else {
            try {
              outcome = await importOne(item.session, myTurn);
            } catch (error) {
              log.error({ err: error, format: item.session.format }, 'importing a session failed');
              outcome = { kind: 'failed', reason: 'the panel failed while adding it; it was logged' };
            }
            log.info({ format: item.session.format, dcId: item.session.dcId, outcome: outcome.kind, ...('accountId' in outcome ? { accountId: outcome.accountId } : {}) }, 'session imported');
          }
          lines[i] = { source: item.source, outcome };
          // Not before the earlier items are through, whichever way this one ended: the order holds for all.
          await myTurn;
          gates[i]?.resolve();
          done += 1;
          onProgress?.(done, items.length);
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
      return lines;
    },
  };
}

export type SessionImporter = ReturnType<typeof createSessionImporter>;
