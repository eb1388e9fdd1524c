/** A chat as the admin named it. */
export type Target =
  | { readonly kind: 'username'; readonly username: string }
  | { readonly kind: 'invite'; readonly hash: string }
  | { readonly kind: 'id'; readonly id: number };

export type TargetParse = { readonly ok: true; readonly target: Target } | { readonly ok: false; readonly message: string };

const USERNAME = /^[a-zA-Z][a-zA-Z0-9_]{3,31}$/;
const INVITE_HASH = /^[a-zA-Z0-9_-]{5,64}$/;

/**
 * Parses `@name`, `name`, `https://t.me/name`, `t.me/+HASH`, `https://t.me/joinchat/HASH` (README: Chat commands), and a
 * bare numeric chat id of a chat already known. Answers in plain words when it is none of these.
 */
export function parseTarget(input: string): TargetParse {
  const text = input.trim();
  if (text.length === 0) return { ok: false, message: 'Name a chat: @username, a t.me link or an invite link.' };
  if (/^-?\d{1,16}$/.test(text)) {
    const id = Math.abs(Number(text.replace(/^-100/, '')));
    return id > 0 ? { ok: true, target: { kind: 'id', id } } : { ok: false, message: `"${text}" is not a chat id.` };
  }
  const link = /^(?:https?:\/\/)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)\/(.*)$/i.exec(text);
  if (link) {
    const path = (link[1] ?? '').replace(/[?#].*$/, '').replace(/\/+$/, '');
    const invite = /^(?:\+|joinchat\/)(.+)$/.exec(path);
    if (invite) {
      const hash = invite[1] ?? '';
      return INVITE_HASH.test(hash) ? { ok: true, target: { kind: 'invite', hash } } : { ok: false, message: `"${text}" is not a valid invite link.` };
    }
    const name = path.split('/')[0] ?? '';
    if (USERNAME.test(name) && !name.endsWith('_')) return { ok: true, target: { kind: 'username', username: name } };
    return { ok: false, message: `"${text}" is not a valid t.me link to a chat.` };
  }
  if (/^\+[a-zA-Z0-9_-]{5,64}$/.test(text) && !/^\+\d+$/.test(text)) return { ok: true, target: { kind: 'invite', hash: text.slice(1) } };
  const name = text.replace(/^@/, '');
  if (USERNAME.test(name) && !name.endsWith('_')) return { ok: true, target: { kind: 'username', username: name } };
  return { ok: false, message: `"${text}" is not a chat: use @username, https://t.me/name or an invite link like t.me/+AbCdEf123.` };
}

/** The target as text for messages and CSV names. */
export function describeTarget(target: Target): string {
  switch (target.kind) {
    case 'username':
      return `@${target.username}`;
    case 'invite':
      return `t.me/+${target.hash}`;
    case 'id':
      return `chat ${target.id}`;
  }
}
