import { describe, expect, it } from 'vitest';
import { toGramProxy } from '../../../src/engine/clients/proxy.js';
import { parseProxyUrl, type ProxySetting } from '../../../src/engine/proxy-url.js';

const setting = (url: string): ProxySetting => {
  const parsed = parseProxyUrl(url);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.proxy;
};

describe('toGramProxy', () => {
  it("does give GramJS's ProxyInterface for SOCKS5, SOCKS4 and MTProxy", () => {
    expect(toGramProxy(null)).toBeUndefined();
    expect(toGramProxy(setting('socks5://u:p%40ss@127.0.0.1:1080'))).toEqual({ ip: '127.0.0.1', port: 1080, socksType: 5, username: 'u', password: 'p@ss' });
    expect(toGramProxy(setting('socks5://127.0.0.1:1080'))).toEqual({ ip: '127.0.0.1', port: 1080, socksType: 5 });
    expect(toGramProxy(setting('socks4://10.0.0.2:1081'))).toEqual({ ip: '10.0.0.2', port: 1081, socksType: 4 });
    const secret = Buffer.from('dd0123456789abcdef0123456789abcdef', 'hex').toString('base64url');
    expect(toGramProxy(setting(`tg://proxy?server=mt.example&port=443&secret=${secret}`))).toEqual({
      ip: 'mt.example',
      port: 443,
      secret: 'dd0123456789abcdef0123456789abcdef',
      MTProxy: true,
    });
  });
});
