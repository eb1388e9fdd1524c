import type { ProxyInterface } from 'telegram/network/connection/TCPMTProxy.js';
import type { ProxySetting } from '../proxy-url.js';

/**
 * An account's proxy as GramJS takes it (`proxy` of TelegramClientParams). A SOCKS proxy goes to the
 * socks client in PromisedNetSockets.connect (telegram/extensions/PromisedNetSockets.js), which gives it
 * 5 s to answer unless `timeout` says otherwise. An MTProxy (`MTProxy: true`) makes GramJS switch the
 * connection to ConnectionTCPMTProxyAbridged and send InputClientProxy in InitConnection
 * (telegramBaseClient.js); its secret goes as hex, which TCPMTProxy reads as hex (base64 otherwise).
 */
export function toGramProxy(proxy: ProxySetting | null): ProxyInterface | undefined {
  if (!proxy) return undefined;
  if (proxy.scheme === 'mtproxy') return { ip: proxy.host, port: proxy.port, secret: proxy.secret, MTProxy: true };
  return {
    ip: proxy.host,
    port: proxy.port,
    socksType: proxy.scheme === 'socks4' ? 4 : 5,
    ...(proxy.scheme === 'socks5' && proxy.username !== undefined ? { username: proxy.username, password: proxy.password ?? '' } : {}),
  };
}
