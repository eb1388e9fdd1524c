import type { ProxyInterface } from 'telegram/network/connection/TCPMTProxy.js';
import { AccountConnectError } from '../errors.js';

/** Reads an account's proxy setting (`{ type: 'socks5' | 'socks4', ip, port, username?, password? }` or `{ type: 'mtproxy', ip, port, secret }`). */
export function toGramProxy(proxy: Record<string, unknown> | null): ProxyInterface | undefined {
  if (!proxy) return undefined;
  const ip = String(proxy.ip ?? proxy.host ?? '');
  const port = Number(proxy.port);
  if (!ip || !Number.isInteger(port)) throw new AccountConnectError('the proxy needs an ip (or host) and a port');
  if (proxy.type === 'mtproxy') return { ip, port, secret: String(proxy.secret ?? ''), MTProxy: true };
  return {
    ip,
    port,
    socksType: proxy.type === 'socks4' ? 4 : 5,
    ...(proxy.username ? { username: String(proxy.username) } : {}),
    ...(proxy.password ? { password: String(proxy.password) } : {}),
  };
}
