/**
 * Proxy URLs as admins write them (README.md, "Proxies"): `socks5://[user:pass@]host:port`,
 * `socks4://host:port`, or an MTProxy link `https://t.me/proxy?server=H&port=P&secret=S` / `tg://proxy?…`.
 * Parsing never throws: bad input is a reason in plain words. Nothing here knows GramJS
 * (clients/proxy.ts turns a setting into GramJS's ProxyInterface).
 */

export type ProxyScheme = 'socks5' | 'socks4' | 'mtproxy';

/** An account's proxy setting, as parsed. The password and the secret are secrets: never show or log them. */
export type ProxySetting =
  | { readonly scheme: 'socks5'; readonly host: string; readonly port: number; readonly username?: string; readonly password?: string }
  | { readonly scheme: 'socks4'; readonly host: string; readonly port: number }
  /** `secret` is lower-case hex: 16 bytes, or 17 with the `dd` (padded intermediate) prefix. */
  | { readonly scheme: 'mtproxy'; readonly host: string; readonly port: number; readonly secret: string };

export type ProxyParse = { readonly ok: true; readonly proxy: ProxySetting } | { readonly ok: false; readonly reason: string };

const FORMS = 'socks5://[user:password@]host:port, socks4://host:port or an MTProxy link https://t.me/proxy?server=HOST&port=PORT&secret=SECRET';
/** What a proxy URL can be at most; a longer line is not one. */
const MAX_LENGTH = 2048;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV6 = /^[0-9a-f:.]+$/;

const refuse = (reason: string): ProxyParse => ({ ok: false, reason });

/** `host`, lower-cased, or why it is not a host name, an IPv4 address or a bracketed IPv6 address. */
function readHost(raw: string): { ok: true; host: string } | { ok: false; reason: string } {
  if (raw === '') return { ok: false, reason: 'the proxy host is missing' };
  if (raw.startsWith('[') && raw.endsWith(']')) {
    const inner = raw.slice(1, -1).toLowerCase();
    return IPV6.test(inner) && inner.includes(':') ? { ok: true, host: inner } : { ok: false, reason: `"${raw}" is not an IPv6 address` };
  }
  const host = raw.toLowerCase();
  // An MTProxy link's server= carries an IPv6 address without brackets.
  if (host.includes(':')) return IPV6.test(host) ? { ok: true, host } : { ok: false, reason: `"${raw}" is not a host name or IP address` };
  if (host.length > 253 || !host.split('.').every((label) => LABEL.test(label))) return { ok: false, reason: `"${raw}" is not a host name or IP address` };
  return { ok: true, host };
}

function readPort(raw: string | undefined): { ok: true; port: number } | { ok: false; reason: string } {
  if (raw === undefined || raw === '') return { ok: false, reason: 'the port is missing (add :PORT after the host, e.g. :1080)' };
  if (!/^\d{1,6}$/.test(raw)) return { ok: false, reason: `the port must be a number (got "${raw.slice(0, 20)}")` };
  const port = Number(raw);
  if (port < 1 || port > 65535) return { ok: false, reason: `the port must be from 1 to 65535 (got ${port})` };
  return { ok: true, port };
}

function decode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

/**
 * An MTProxy secret as GramJS can use it, in lower-case hex. Links carry it as hex or base64(url); `dd`
 * marks the padded-intermediate variant (17 bytes), `ee` the fake-TLS one. GramJS takes hex when the
 * text is all hex digits, base64 otherwise, and accepts 16 bytes, or 17 starting with 0xdd; anything else
 * fails at connect with "MTProxy secret must be a hex-string representing 16 bytes" (MTProxyIO.initHeader
 * in telegram/network/connection/TCPMTProxy.js), so fake-TLS secrets are refused here.
 */
function readSecret(raw: string): { ok: true; secret: string } | { ok: false; reason: string } {
  let bytes: Buffer;
  if (/^[0-9a-f]+$/i.test(raw)) {
    if (raw.length % 2 !== 0) return { ok: false, reason: 'the MTProxy secret has an odd number of hex digits' };
    bytes = Buffer.from(raw, 'hex');
  } else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw)) {
    bytes = Buffer.from(raw.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  } else {
    return { ok: false, reason: 'the MTProxy secret must be hex digits or base64' };
  }
  if (bytes.length >= 17 && bytes[0] === 0xee) {
    return { ok: false, reason: 'fake-TLS MTProxy secrets (starting with ee) are not supported: ask the proxy for a plain or dd secret' };
  }
  if (bytes.length === 16 || (bytes.length === 17 && bytes[0] === 0xdd)) return { ok: true, secret: bytes.toString('hex') };
  return { ok: false, reason: `the MTProxy secret must be 16 bytes (32 hex digits), or 17 starting with dd (got ${bytes.length} bytes)` };
}

function parseMtproxyLink(text: string): ProxyParse {
  const query = text.slice(text.indexOf('?') + 1);
  const params = new URLSearchParams(query);
  const server = params.get('server');
  if (server === null || server === '') return refuse('the MTProxy link has no server=');
  const host = readHost(server);
  if (!host.ok) return refuse(host.reason);
  const port = readPort(params.get('port') ?? undefined);
  if (!port.ok) return refuse(port.reason);
  const rawSecret = params.get('secret');
  if (rawSecret === null || rawSecret === '') return refuse('the MTProxy link has no secret=');
  const secret = readSecret(rawSecret);
  if (!secret.ok) return refuse(secret.reason);
  return { ok: true, proxy: { scheme: 'mtproxy', host: host.host, port: port.port, secret: secret.secret } };
}

/** Reads a proxy URL; the reason says in plain words what is wrong with it, never quoting a password. */
export function parseProxyUrl(input: string): ProxyParse {
  const text = input.trim();
  if (text === '') return refuse(`the proxy URL is empty; use ${FORMS}`);
  if (text.length > MAX_LENGTH) return refuse(`that is ${text.length} characters, too long for a proxy URL`);
  if (/\s/.test(text)) return refuse('a proxy URL has no spaces in it');
  if (/^(https?:\/\/)?(www\.)?(t\.me|telegram\.me)\/proxy\?/i.test(text) || /^tg:\/\/proxy\?/i.test(text)) return parseMtproxyLink(text);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (!scheme) return refuse(`that is not a proxy URL; use ${FORMS}`);
  const name = (scheme[1] ?? '').toLowerCase();
  if (name !== 'socks5' && name !== 'socks4') return refuse(`${name}:// proxies are not supported; use ${FORMS}`);
  const rest = text.slice(scheme[0].length);
  const at = rest.lastIndexOf('@');
  const authority = at === -1 ? rest : rest.slice(at + 1);
  const userinfo = at === -1 ? undefined : rest.slice(0, at);
  if (/[/?#]/.test(authority.replace(/\/$/, ''))) return refuse('a SOCKS proxy URL ends after host:port (no path or query)');
  const hostPort = /^(\[[^\]]*\]|[^:[\]]*)(?::(.*))?$/.exec(authority.replace(/\/$/, ''));
  if (!hostPort) return refuse('the proxy host is not readable');
  const host = readHost(hostPort[1] ?? '');
  if (!host.ok) return refuse(host.reason);
  const port = readPort(hostPort[2]);
  if (!port.ok) return refuse(port.reason);
  if (name === 'socks4') {
    if (userinfo !== undefined) return refuse('a socks4 proxy takes no user or password; use socks5:// for a proxy with a login');
    return { ok: true, proxy: { scheme: 'socks4', host: host.host, port: port.port } };
  }
  if (userinfo === undefined) return { ok: true, proxy: { scheme: 'socks5', host: host.host, port: port.port } };
  const colon = userinfo.indexOf(':');
  if (colon === -1) return refuse('the proxy has a user but no password: write socks5://user:password@host:port');
  const username = decode(userinfo.slice(0, colon));
  const password = decode(userinfo.slice(colon + 1));
  if (username === undefined || password === undefined) return refuse('the user or password has a broken %-escape');
  if (username === '') return refuse('the proxy has a password but no user: write socks5://user:password@host:port');
  if (password === '') return refuse('the proxy has a user but an empty password: write socks5://user:password@host:port');
  // SOCKS5 user name/password authentication carries each in one length byte (RFC 1929).
  if (Buffer.byteLength(username) > 255 || Buffer.byteLength(password) > 255) return refuse('a SOCKS5 user or password is at most 255 bytes');
  return { ok: true, proxy: { scheme: 'socks5', host: host.host, port: port.port, username, password } };
}

const hostPart = (host: string) => (host.includes(':') ? `[${host}]` : host);

/** `host:port` alone (the account screen and the `proxy_host` column). */
export function proxyAddress(proxy: ProxySetting): string {
  return `${hostPart(proxy.host)}:${proxy.port}`;
}

/** The full URL, password and secret included: what is stored (encrypted). `parseProxyUrl` reads it back to the same setting. */
export function formatProxyUrl(proxy: ProxySetting): string {
  if (proxy.scheme === 'mtproxy') return `https://t.me/proxy?server=${encodeURIComponent(proxy.host)}&port=${proxy.port}&secret=${proxy.secret}`;
  if (proxy.scheme === 'socks5' && proxy.username !== undefined && proxy.password !== undefined) {
    return `socks5://${encodeURIComponent(proxy.username)}:${encodeURIComponent(proxy.password)}@${proxyAddress(proxy)}`;
  }
  return `${proxy.scheme}://${proxyAddress(proxy)}`;
}

/** What may be shown back in chat: `socks5://user:•••@host:port`, `socks4://host:port`, `mtproxy://host:port` (never the password or the secret). */
export function showProxy(proxy: ProxySetting): string {
  if (proxy.scheme === 'socks5' && proxy.username !== undefined) return `socks5://${encodeURIComponent(proxy.username)}:•••@${proxyAddress(proxy)}`;
  return `${proxy.scheme}://${proxyAddress(proxy)}`;
}

/** Whether the setting holds a secret (a SOCKS5 password or an MTProxy secret): the message that carried it should not stay in a chat. */
export function hasSecret(proxy: ProxySetting): boolean {
  return proxy.scheme === 'mtproxy' || (proxy.scheme === 'socks5' && proxy.password !== undefined);
}
