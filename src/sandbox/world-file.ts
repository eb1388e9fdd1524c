import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { POOL_ID_BASE } from './pool.js';
import { isRealDay, SPAM_BOT_SETTING } from './spam-bot.js';

/**
 * The sandbox world file (docs/sandbox.md is its contract). Fields marked "addition" are not in the
 * documentation's first example; they are optional, so every world written against it stays valid.
 */

const poolRange = z
  .object({
    /** First pool user number of the range (n ≥ 1). */
    from: z.number().int().min(1),
    /** How many consecutive pool users the range holds. */
    count: z.number().int().min(0),
  })
  .strict();

const accountSchema = z
  .object({
    phone: z.string().regex(/^\+?\d{5,15}$/, 'expected a phone number such as +15550000001'),
    userId: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    firstName: z.string().min(1),
    /** addition */
    lastName: z.string().min(1).optional(),
    code: z.string().regex(/^\d{3,8}$/, 'expected the login code as 3 to 8 digits'),
    password: z.string().min(1).optional(),
    authorized: z.boolean().default(false),
    /** addition: ids of chats this account is a member of when the world starts. */
    joined: z.array(z.number().int()).default([]),
    /**
     * The auth key a logged-in session of this account holds on its data center: 256 bytes as 512 hex
     * digits. Without it the sandbox derives one from the phone.
     */
    authKey: z
      .string()
      .regex(/^[0-9a-fA-F]{512}$/, 'expected the auth key as 512 hexadecimal digits (256 bytes)')
      .transform((hex) => hex.toLowerCase())
      .optional(),
    /** The account's home data center (Telegram has five). */
    dc: z.number().int().min(1).max(5).default(2),
    /** What @SpamBot answers this account (docs/sandbox.md, "@SpamBot"). */
    spamBot: z
      .string()
      .regex(SPAM_BOT_SETTING, 'expected "free", "limited" or "limited until YYYY-MM-DD"')
      .refine(isRealDay, 'expected a real day in "limited until YYYY-MM-DD"')
      .default('free'),
  })
  .strict();

const proxySchema = z
  .object({
    /** `socks5://[user:pass@]host:port`, `socks4://host:port` or `mtproxy://[secret@]host:port` (secret in hex). */
    url: z.string().regex(/^(socks5|socks4|mtproxy):\/\/([^@/\s]+@)?[^:@/\s]+:\d{1,5}$/, 'expected socks5://[user:pass@]host:port, socks4://host:port or mtproxy://[secret@]host:port'),
    /** Whether connections through it get through. */
    works: z.boolean().default(true),
    /** Extra round-trip time every request through it takes, in ms. */
    latencyMs: z.number().int().min(0).max(60_000).default(0),
  })
  .strict();

const chatSchema = z
  .object({
    id: z.number().int().min(1).max(999_999_999_999),
    kind: z.enum(['supergroup', 'channel', 'group']),
    username: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{3,31}$/, 'expected 4 to 32 letters, digits or _ starting with a letter')
      .optional(),
    invite: z
      .string()
      .regex(/^[A-Za-z0-9_-]{4,64}$/, 'expected the invite hash alone (letters, digits, _ or -), without t.me/+')
      .optional(),
    /** addition: the invite link exists but has expired (INVITE_HASH_EXPIRED). */
    inviteExpired: z.boolean().default(false),
    title: z.string().min(1),
    /** addition */
    about: z.string().default(''),
    members: poolRange,
    membersHidden: z.boolean().default(false),
    joinRequired: z.boolean().default(false),
    messages: z
      .object({
        count: z.number().int().min(0),
        days: z.number().positive(),
        authors: poolRange,
      })
      .strict()
      .optional(),
    /** Pool user numbers of the chat's admins; the first one is the creator. Default: the first member. */
    admins: z.array(z.number().int().min(1)).min(1).optional(),
  })
  .strict();

const faultSchema = z
  .object({
    account: z.string().min(1),
    method: z.string().min(1),
    afterCalls: z.number().int().min(0).default(0),
    error: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'expected a Telegram error text such as FLOOD_WAIT_30'),
    times: z.number().int().min(1).default(1),
  })
  .strict();

const timelineSchema = z
  .object({
    atSeconds: z.number().min(0),
    chat: z.number().int(),
    from: z.number().int().min(1),
    text: z.string().min(1).max(4096),
    everySeconds: z.number().min(0).default(0),
  })
  .strict();

const worldSchema = z
  .object({
    latencyMs: z.number().int().min(0).max(60_000).default(0),
    participantsCap: z.number().int().min(1).default(10_000),
    accounts: z.array(accountSchema).default([]),
    chats: z.array(chatSchema).default([]),
    faults: z.array(faultSchema).default([]),
    timeline: z.array(timelineSchema).default([]),
    /** Proxies that exist in the world; an account set to use any other cannot connect. */
    proxies: z.array(proxySchema).default([]),
  })
  .strict();

/** A parsed world file with every default applied. */
export type World = z.output<typeof worldSchema>;
export type WorldAccount = World['accounts'][number];
export type WorldChat = World['chats'][number];
export type WorldFault = World['faults'][number];
export type WorldTimelineEntry = World['timeline'][number];
export type WorldProxy = World['proxies'][number];
export type ChatKind = WorldChat['kind'];
/** What a world file may contain before defaults are applied (for building worlds in code). */
export type WorldInput = z.input<typeof worldSchema>;

export interface WorldFileIssue {
  /** Where the problem is, e.g. `chats[2].kind`; `(root)` for the whole file. */
  readonly path: string;
  readonly message: string;
}

/** The world file could not be read or is not valid; the message names every bad field. */
export class WorldFileError extends Error {
  override readonly name = 'WorldFileError';
  readonly issues: readonly WorldFileIssue[];
  readonly file: string | undefined;

  constructor(issues: readonly WorldFileIssue[], file?: string, options?: { cause?: unknown }) {
    const where = file === undefined ? 'invalid world' : `invalid world file ${file}`;
    super(`${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, options);
    this.issues = issues;
    this.file = file;
  }
}

/** A proxy URL without its user and password: `socks5://host:port`. Passwords never leave the world file. */
export function proxyAddress(url: string): string {
  return url.replace(/^([a-z0-9]+:\/\/)[^@/]*@/i, '$1').toLowerCase();
}

/** The secret of an MTProxy listed as `mtproxy://SECRET@host:port`, lower-cased; undefined when none is listed. */
export function mtproxySecret(url: string): string | undefined {
  return /^mtproxy:\/\/([^@/:]+)@/i.exec(url)?.[1]?.toLowerCase();
}

/** Normalises a phone number for comparisons: digits only. */
export function phoneDigits(phone: string): string {
  return phone.replace(/\D/g, '');
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

function describe(issue: z.core.$ZodIssue): WorldFileIssue[] {
  switch (issue.code) {
    case 'invalid_value':
      return [{ path: formatPath(issue.path), message: `expected one of ${issue.values.map(String).join(', ')}` }];
    case 'invalid_type':
      return [
        {
          path: formatPath(issue.path),
          message: issue.input === undefined ? `required (${issue.expected})` : `expected ${issue.expected}`,
        },
      ];
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown field' }));
    case 'too_small':
      return [{ path: formatPath(issue.path), message: `must be at least ${String(issue.minimum)}` }];
    case 'too_big':
      return [{ path: formatPath(issue.path), message: `must be at most ${String(issue.maximum)}` }];
    default:
      return [{ path: formatPath(issue.path), message: issue.message }];
  }
}

/** Highest pool user number the world refers to. */
export function maxPoolNumber(world: World): number {
  let max = 1;
  const range = (r: { from: number; count: number }): void => {
    if (r.count > 0) max = Math.max(max, r.from + r.count - 1);
  };
  for (const chat of world.chats) {
    range(chat.members);
    if (chat.messages) range(chat.messages.authors);
    for (const a of chat.admins ?? []) max = Math.max(max, a);
  }
  for (const t of world.timeline) max = Math.max(max, t.from);
  return max;
}

/** Checks that ids, usernames and references agree across the file. */
function crossCheck(world: World): WorldFileIssue[] {
  const issues: WorldFileIssue[] = [];
  const poolTop = POOL_ID_BASE + maxPoolNumber(world);
  const phones = new Map<string, number>();
  const userIds = new Map<number, number>();
  const authKeys = new Map<string, number>();
  world.accounts.forEach((a, i) => {
    const digits = phoneDigits(a.phone);
    const seen = phones.get(digits);
    if (seen !== undefined) issues.push({ path: `accounts[${i}].phone`, message: `same phone as accounts[${seen}]` });
    else phones.set(digits, i);
    const seenId = userIds.get(a.userId);
    if (seenId !== undefined) issues.push({ path: `accounts[${i}].userId`, message: `same userId as accounts[${seenId}]` });
    else userIds.set(a.userId, i);
    if (a.authKey !== undefined) {
      const seenKey = authKeys.get(a.authKey);
      if (seenKey !== undefined) issues.push({ path: `accounts[${i}].authKey`, message: `same auth key as accounts[${seenKey}]` });
      else authKeys.set(a.authKey, i);
    }
    if (a.userId > POOL_ID_BASE && a.userId <= poolTop) {
      issues.push({
        path: `accounts[${i}].userId`,
        message: `collides with pool user ${a.userId - POOL_ID_BASE} (pool ids are ${POOL_ID_BASE}+n)`,
      });
    }
  });

  const chatIds = new Map<number, number>();
  const usernames = new Map<string, number>();
  const invites = new Map<string, number>();
  world.chats.forEach((c, i) => {
    const seen = chatIds.get(c.id);
    if (seen !== undefined) issues.push({ path: `chats[${i}].id`, message: `same id as chats[${seen}]` });
    else chatIds.set(c.id, i);
    if (c.username !== undefined) {
      const key = c.username.toLowerCase();
      const seenName = usernames.get(key);
      if (seenName !== undefined) issues.push({ path: `chats[${i}].username`, message: `same username as chats[${seenName}]` });
      else usernames.set(key, i);
      if (/^user\d+$/.test(key)) issues.push({ path: `chats[${i}].username`, message: 'user<n> usernames belong to the user pool' });
    }
    if (c.invite !== undefined) {
      const seenInvite = invites.get(c.invite);
      if (seenInvite !== undefined) issues.push({ path: `chats[${i}].invite`, message: `same invite as chats[${seenInvite}]` });
      else invites.set(c.invite, i);
    }
    if (c.inviteExpired && c.invite === undefined) {
      issues.push({ path: `chats[${i}].inviteExpired`, message: 'the chat has no invite' });
    }
  });

  world.accounts.forEach((a, i) => {
    a.joined.forEach((id, j) => {
      if (!chatIds.has(id)) issues.push({ path: `accounts[${i}].joined[${j}]`, message: `no chat with id ${id}` });
    });
  });
  world.faults.forEach((f, i) => {
    if (!phones.has(phoneDigits(f.account))) {
      issues.push({ path: `faults[${i}].account`, message: `no account with phone ${f.account}` });
    }
  });
  world.timeline.forEach((t, i) => {
    if (!chatIds.has(t.chat)) issues.push({ path: `timeline[${i}].chat`, message: `no chat with id ${t.chat}` });
  });
  const proxyAddresses = new Map<string, number>();
  world.proxies.forEach((p, i) => {
    const address = proxyAddress(p.url);
    const seen = proxyAddresses.get(address);
    if (seen !== undefined) issues.push({ path: `proxies[${i}].url`, message: `same proxy as proxies[${seen}]` });
    else proxyAddresses.set(address, i);
    const secret = mtproxySecret(p.url);
    if (secret !== undefined && !/^(dd)?[0-9a-f]{32}$/.test(secret)) {
      issues.push({ path: `proxies[${i}].url`, message: 'an MTProxy secret is 32 hex digits, or dd and 32 hex digits' });
    }
  });
  return issues;
}

/**
 * Validates a world (a parsed JSON value, or JSON text) and applies defaults.
 * @throws WorldFileError naming every bad field, e.g. `chats[2].kind: expected one of supergroup, channel, group`.
 */
export function parseWorld(json: unknown, file?: string): World {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json) as unknown;
    } catch (error) {
      throw new WorldFileError([{ path: '(root)', message: `not valid JSON (${(error as Error).message})` }], file, {
        cause: error,
      });
    }
  }
  const parsed = worldSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) throw new WorldFileError(parsed.error.issues.flatMap(describe), file);
  const issues = crossCheck(parsed.data);
  if (issues.length > 0) throw new WorldFileError(issues, file);
  return parsed.data;
}

/**
 * Reads and validates a world file.
 * @throws WorldFileError when the file cannot be read or is not a valid world.
 */
export async function loadWorldFile(path: string): Promise<World> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new WorldFileError([{ path: '(root)', message: `cannot read the file (${(error as Error).message})` }], path, {
      cause: error,
    });
  }
  return parseWorld(text, path);
}
