import type { Logger } from 'pino';
import type { AccountStore } from './account-store.js';
import type { SessionCipher } from './options.js';
import { formatProxyUrl, parseProxyUrl, proxyAddress, type ProxyParse } from './proxy-url.js';

/**
 * Reads a proxy kept in the accounts table's old plaintext `proxy` column: `{ type: 'socks5' | 'socks4' |
 * 'mtproxy', ip (or host), port, username?, password?, secret? }`. It goes through the URL parser, so an
 * old setting is held to the same rules as a new one.
 */
export function readLegacyProxy(json: Record<string, unknown>): ProxyParse {
  const text = (key: string) => (typeof json[key] === 'string' || typeof json[key] === 'number' ? String(json[key]) : '');
  const host = text('ip') || text('host');
  const port = text('port');
  const type = text('type').toLowerCase() || 'socks5';
  if (type === 'mtproxy') return parseProxyUrl(`https://t.me/proxy?server=${encodeURIComponent(host)}&port=${encodeURIComponent(port)}&secret=${encodeURIComponent(text('secret'))}`);
  if (type !== 'socks5' && type !== 'socks4') return { ok: false, reason: `the proxy type "${type.slice(0, 20)}" is not socks5, socks4 or mtproxy` };
  const username = text('username');
  const password = text('password');
  const login = username || password ? `${encodeURIComponent(username)}:${encodeURIComponent(password)}@` : '';
  return parseProxyUrl(`${type}://${login}${host.includes(':') ? `[${host}]` : host}:${port}`);
}

/**
 * Moves every proxy of the old plaintext column into `proxy_enc` (encrypted, as sessions are) and
 * `proxy_host`, and clears the old column, since it may hold a password. One that cannot be read is
 * cleared too, with a warning that names the account and why (it then connects without a proxy until one
 * is set with /proxy set).
 * Returns how many accounts were moved.
 */
export function moveLegacyProxies(store: AccountStore, cipher: SessionCipher | undefined, logger: Logger, now: number): number {
  const rows = store.withLegacyProxy();
  if (rows.length === 0) return 0;
  if (!cipher) {
    logger.warn({ accounts: rows.map((r) => r.id) }, 'proxies in the old plaintext column stay there: SESSION_SECRET is needed to encrypt them');
    return 0;
  }
  let moved = 0;
  for (const row of rows) {
    const parsed = readLegacyProxy(row.proxy ?? {});
    if (parsed.ok) {
      store.setProxy(row.id, { enc: cipher.encrypt(formatProxyUrl(parsed.proxy)), host: proxyAddress(parsed.proxy) }, now);
      moved += 1;
    } else {
      store.setProxy(row.id, null, now);
      logger.warn({ accountId: row.id, reason: parsed.reason }, 'an old proxy setting could not be read and was dropped: set it again with /proxy set');
    }
  }
  logger.info({ moved }, 'moved proxies into encrypted storage');
  return moved;
}
