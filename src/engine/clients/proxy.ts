import type { ProxyInterface } from 'telegram/network/connection/TCPMTProxy.js';
import type { ProxySetting } from '../proxy-url.js';

/**
 * How long GramJS waits for a SOCKS proxy to answer, in seconds (it passes `timeout` to the socks client;
 * its own default is 5: PromisedNetSockets.connect in telegram/extensions/PromisedNetSockets.js).
 */
const SOCKS_TIMEOUT_S = 10;

/**
 * An account's proxy as GramJS takes it (`proxy` of TelegramClientParams). A SOCKS proxy goes to the
 * socks client in PromisedNetSockets; an MTProxy (`MTProxy: true`) makes GramJS switch the connection to
 * ConnectionTCPMTProxyAbridged and send InputClientProxy in InitConnection (telegramBaseClient.js). The
 * secret is given as hex, which TCPMTProxy reads as hex (base64 otherwise).
 */
export function toGramProxy(proxy: ProxySetting | null): ProxyInterface | undefined {
  if (!proxy) return undefined;
  if (proxy.scheme === 'mtproxy') return { ip: proxy.host, port: proxy.port, secret: proxy.secret, MTProxy: true };
  return {
    ip: proxy.host,
    port: proxy.port,
    socksType: proxy.scheme === 'socks4' ? 4 : 5,
    timeout: SOCKS_TIMEOUT_S,
    ...(proxy.scheme === 'socks5' && proxy.username !== undefined ? { username: proxy.username, password: proxy.password ?? '' } : {}),
  };
}
