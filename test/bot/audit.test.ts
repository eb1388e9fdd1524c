import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactProxySecrets } from '../../src/bot/audit.js';
import { formatProxyUrl, parseProxyUrl, showProxy } from '../../src/engine/proxy-url.js';

const host = fc.oneof(fc.ipV4(), fc.constantFrom('proxy.example.com', 'a.b'));
const login = fc.string({ minLength: 1, maxLength: 30, unit: 'grapheme' });

describe('redactProxySecrets', () => {
  it('does record a /proxy command with its password and secret as •••, the rest as typed', () => {
    fc.assert(
      fc.property(host, fc.integer({ min: 1, max: 65535 }), login, login, (h, port, username, password) => {
        const proxy = { scheme: 'socks5' as const, host: h, port, username, password };
        expect(redactProxySecrets(`set 1 ${formatProxyUrl(proxy)}`)).toBe(`set 1 ${showProxy(proxy)}`);
      }),
    );
    expect(redactProxySecrets('set 2 tg://proxy?server=h&port=443&secret=dd0123456789abcdef0123456789abcdef')).toBe('set 2 tg://proxy?server=h&port=443&secret=•••');
    expect(redactProxySecrets('set 3 socks5://127.0.0.1:1080')).toBe('set 3 socks5://127.0.0.1:1080');
  });

  it('does hide a password that holds an unescaped @, as the parser reads it', () => {
    const typed = 'set 1 socks5://bob:p@ss@10.0.0.1:1080';
    expect(parseProxyUrl('socks5://bob:p@ss@10.0.0.1:1080')).toMatchObject({ ok: true, proxy: { password: 'p@ss' } });
    expect(redactProxySecrets(typed)).toBe('set 1 socks5://bob:•••@10.0.0.1:1080');
  });
});
