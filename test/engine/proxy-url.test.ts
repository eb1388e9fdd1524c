import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatProxyUrl, hasSecret, parseProxyUrl, proxyAddress, showProxy, type ProxySetting } from '../../src/engine/proxy-url.js';

const SECRET = '0123456789abcdef0123456789abcdef';

const reason = (input: string) => {
  const parsed = parseProxyUrl(input);
  return parsed.ok ? undefined : parsed.reason;
};

describe('parseProxyUrl', () => {
  it('does read SOCKS5 with and without a login, SOCKS4, and MTProxy links of both forms', () => {
    expect(parseProxyUrl('socks5://127.0.0.1:1080')).toEqual({ ok: true, proxy: { scheme: 'socks5', host: '127.0.0.1', port: 1080 } });
    expect(parseProxyUrl(' SOCKS5://Bob:s%40cret@Proxy.Example.com:1080/ ')).toEqual({
      ok: true,
      proxy: { scheme: 'socks5', host: 'proxy.example.com', port: 1080, username: 'Bob', password: 's@cret' },
    });
    expect(parseProxyUrl('socks4://10.0.0.2:1081')).toEqual({ ok: true, proxy: { scheme: 'socks4', host: '10.0.0.2', port: 1081 } });
    expect(parseProxyUrl('socks5://[::1]:1080')).toEqual({ ok: true, proxy: { scheme: 'socks5', host: '::1', port: 1080 } });
    const mtproxy = { ok: true, proxy: { scheme: 'mtproxy', host: 'mt.example.com', port: 443, secret: SECRET } };
    expect(parseProxyUrl(`https://t.me/proxy?server=mt.example.com&port=443&secret=${SECRET}`)).toEqual(mtproxy);
    expect(parseProxyUrl(`tg://proxy?server=mt.example.com&port=443&secret=${SECRET.toUpperCase()}`)).toEqual(mtproxy);
    expect(parseProxyUrl(`t.me/proxy?server=mt.example.com&port=443&secret=${SECRET}`)).toEqual(mtproxy);
  });

  it('does read MTProxy secrets as hex or base64url, with the dd prefix', () => {
    const base64url = Buffer.from(SECRET, 'hex').toString('base64url');
    expect(parseProxyUrl(`tg://proxy?server=h&port=1&secret=${base64url}`)).toMatchObject({ ok: true, proxy: { secret: SECRET } });
    expect(parseProxyUrl(`tg://proxy?server=h&port=1&secret=dd${SECRET}`)).toMatchObject({ ok: true, proxy: { secret: `dd${SECRET}` } });
    const dd64 = Buffer.from(`dd${SECRET}`, 'hex').toString('base64');
    expect(parseProxyUrl(`tg://proxy?server=h&port=1&secret=${encodeURIComponent(dd64)}`)).toMatchObject({ ok: true, proxy: { secret: `dd${SECRET}` } });
  });

  it('does refuse bad input with the reason in plain words', () => {
    expect(reason('')).toMatch(/^the proxy URL is empty; use socks5:\/\//);
    expect(reason('http://127.0.0.1:8080')).toMatch(/^http:\/\/ proxies are not supported; use socks5:\/\//);
    expect(reason('127.0.0.1:1080')).toMatch(/^that is not a proxy URL/);
    expect(reason('socks5://127.0.0.1')).toBe('the port is missing (add :PORT after the host, e.g. :1080)');
    expect(reason('socks5://127.0.0.1:')).toBe('the port is missing (add :PORT after the host, e.g. :1080)');
    expect(reason('socks5://127.0.0.1:70000')).toBe('the port must be from 1 to 65535 (got 70000)');
    expect(reason('socks5://127.0.0.1:0')).toBe('the port must be from 1 to 65535 (got 0)');
    expect(reason('socks5://127.0.0.1:http')).toBe('the port must be a number (got "http")');
    expect(reason('socks5://:1080')).toBe('the proxy host is missing');
    expect(reason('socks5://bad_host!:1080')).toBe('"bad_host!" is not a host name or IP address');
    expect(reason('socks5://bob@127.0.0.1:1080')).toBe('the proxy has a user but no password: write socks5://user:password@host:port');
    expect(reason('socks5://:pw@127.0.0.1:1080')).toBe('the proxy has a password but no user: write socks5://user:password@host:port');
    expect(reason('socks5://bob:@127.0.0.1:1080')).toBe('the proxy has a user but an empty password: write socks5://user:password@host:port');
    expect(reason('socks5://bob:%E0%A4%A@127.0.0.1:1080')).toBe('the user or password has a broken %-escape');
    expect(reason('socks4://bob:pw@127.0.0.1:1080')).toBe('a socks4 proxy takes no user or password; use socks5:// for a proxy with a login');
    expect(reason('socks5://127.0.0.1:1080/path')).toBe('a SOCKS proxy URL ends after host:port (no path or query)');
    expect(reason('socks5://127.0.0.1 :1080')).toBe('a proxy URL has no spaces in it');
    expect(reason('tg://proxy?port=443&secret=00')).toBe('the MTProxy link has no server=');
    expect(reason('tg://proxy?server=h&secret=00')).toBe('the port is missing (add :PORT after the host, e.g. :1080)');
    expect(reason('tg://proxy?server=h&port=443')).toBe('the MTProxy link has no secret=');
    expect(reason('tg://proxy?server=h&port=443&secret=abc')).toBe('the MTProxy secret has an odd number of hex digits');
    expect(reason('tg://proxy?server=h&port=443&secret=abcd')).toBe('the MTProxy secret must be 16 bytes (32 hex digits), or 17 starting with dd (got 2 bytes)');
    expect(reason('tg://proxy?server=h&port=443&secret=not%20a%20secret')).toBe('the MTProxy secret must be hex digits or base64');
    expect(reason(`tg://proxy?server=h&port=443&secret=ee${SECRET}6578616d706c652e636f6d`)).toMatch(/^fake-TLS MTProxy secrets \(starting with ee\) are not supported/);
  });

  it('does never quote a password or a secret in its reasons', () => {
    expect(reason('socks5://bob:hunter2secret@bad_host!:1080')).not.toContain('hunter2secret');
    expect(reason('socks4://bob:hunter2secret@127.0.0.1:1080')).not.toContain('hunter2secret');
    expect(reason('tg://proxy?server=h&port=443&secret=abcdef0123')).not.toContain('abcdef0123');
  });
});

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
const host = fc.oneof(
  fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.')),
  fc.ipV4(),
  fc.ipV6().filter((ip) => /^[0-9a-f:.]+$/.test(ip)),
);
const port = fc.integer({ min: 1, max: 65535 });
/** Any text the SOCKS5 login allows (at most 255 bytes each, RFC 1929). */
const login = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' });
const setting: fc.Arbitrary<ProxySetting> = fc.oneof(
  fc.record({ scheme: fc.constant('socks5' as const), host, port }),
  fc.record({ scheme: fc.constant('socks5' as const), host, port, username: login, password: login }),
  fc.record({ scheme: fc.constant('socks4' as const), host, port }),
  fc.record({
    scheme: fc.constant('mtproxy' as const),
    host,
    port,
    secret: fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Uint8Array.from([0xdd, ...b]))).map((b) => Buffer.from(b).toString('hex')),
  }),
);

describe('formatProxyUrl and showProxy', () => {
  it('does read back every formatted setting as the same setting', () => {
    fc.assert(
      fc.property(setting, (proxy) => {
        expect(parseProxyUrl(formatProxyUrl(proxy))).toEqual({ ok: true, proxy: { ...proxy, host: proxy.host.toLowerCase() } });
      }),
    );
  });

  it('does show a setting the same whatever its password or secret, with neither in it', () => {
    fc.assert(
      fc.property(setting, login, (proxy, other) => {
        const shown = showProxy(proxy);
        if (proxy.scheme === 'socks5' && proxy.password !== undefined) {
          expect(shown).toBe(showProxy({ ...proxy, password: other }));
          expect(shown).toBe(`socks5://${encodeURIComponent(proxy.username ?? '')}:•••@${proxyAddress(proxy)}`);
          expect(hasSecret(proxy)).toBe(true);
        } else if (proxy.scheme === 'mtproxy') {
          expect(shown).toBe(`mtproxy://${proxyAddress(proxy)}`);
          expect(shown).not.toContain(proxy.secret);
          expect(hasSecret(proxy)).toBe(true);
        } else {
          expect(shown).toBe(formatProxyUrl(proxy));
          expect(hasSecret(proxy)).toBe(false);
        }
      }),
    );
  });

  it('does keep the password out of the shown form even when it looks like the rest', () => {
    const proxy: ProxySetting = { scheme: 'socks5', host: '10.0.0.1', port: 1080, username: 'u', password: 'p@ss:word/1' };
    expect(showProxy(proxy)).toBe('socks5://u:•••@10.0.0.1:1080');
    expect(formatProxyUrl(proxy)).toBe('socks5://u:p%40ss%3Aword%2F1@10.0.0.1:1080');
  });
});
