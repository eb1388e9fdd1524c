import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { REDACTED, createLogger, redactText } from '../src/logger.js';
import type { LoggerOptions } from '../src/logger.js';

const TOKEN = '7123456789:AAF1bx_Qz-secretBotTokenValue0123456789';
// Shaped like a GramJS StringSession: "1" then a few hundred base64 characters.
const SESSION = `1BAAOMTQ5LjE1NC4xNjcuNTAAUA${'kLmN0pQr+StU/vWx'.repeat(22)}Yz==`;
const API_HASH = '0123456789abcdef0123456789abcdef';

/** A logger writing into memory; pino writes synchronously to plain streams, so lines are there at once. */
function capture(options: LoggerOptions = {}) {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger({ level: 'trace', ...options, destination });
  return {
    logger,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('redactText', () => {
  it('replaces every occurrence of each secret', () => {
    expect(redactText(`a ${API_HASH} b ${API_HASH}`, [API_HASH])).toBe(`a ${REDACTED} b ${REDACTED}`);
  });

  it('replaces the longer of two overlapping secrets whole', () => {
    expect(redactText('prefix-secret-value', ['secret', 'prefix-secret-value'])).toBe(REDACTED);
  });

  it('scrubs bot tokens and session strings nobody registered', () => {
    const text = `GET https://api.example/bot${TOKEN}/getMe failed; session ${SESSION} rejected`;
    const out = redactText(text, []);
    expect(out).not.toContain(TOKEN);
    expect(out).not.toContain(SESSION.slice(0, 60));
    expect(out).toBe(`GET https://api.example/bot${REDACTED}/getMe failed; session ${REDACTED} rejected`);
  });

  it('scrubs proxy passwords and MTProxy secrets inside URLs nobody registered', () => {
    expect(redactText('via socks5://bob:p@ss@10.0.0.1:1080 failed')).toBe('via socks5://bob:[redacted]@10.0.0.1:1080 failed');
    expect(redactText('{"url":"socks5://bob:hunter2@10.0.0.1:1080"}')).toBe('{"url":"socks5://bob:[redacted]@10.0.0.1:1080"}');
    expect(redactText('tg://proxy?server=h&secret=dd0123&port=1')).toBe('tg://proxy?server=h&secret=[redacted]&port=1');
    expect(redactText('socks5://10.0.0.1:1080 and https://t.me/proxy?server=h&port=1')).toBe('socks5://10.0.0.1:1080 and https://t.me/proxy?server=h&port=1');
  });

  it('leaves ordinary text alone and ignores very short secrets', () => {
    const text = 'FLOOD_WAIT_30 on channels.GetParticipants for +15550000001 (op 12)';
    expect(redactText(text, ['', 'a', 'op'])).toBe(text);
  });

  it('scrubs the JSON-escaped form of a secret', () => {
    const secret = 'pa"ss\\word-1234';
    expect(redactText(JSON.stringify({ m: `x ${secret} y` }), [secret])).toBe(JSON.stringify({ m: `x ${REDACTED} y` }));
  });
});

describe('createLogger', () => {
  it('writes JSON lines at the chosen level', () => {
    const out = capture({ level: 'warn' });
    out.logger.info('hidden');
    out.logger.warn({ accountId: 3 }, 'shown');
    expect(out.lines()).toMatchObject([{ level: 40, msg: 'shown', accountId: 3, name: 'switchboard' }]);
  });

  it('redacts secret fields by key, at any of the first three levels', () => {
    const out = capture();
    out.logger.info(
      {
        token: TOKEN,
        account: { sessionString: 'S1-short-session', password: 'hunter2-2fa', code: '12345', phone: '+15550000001' },
        config: { bot: { token: TOKEN }, telegram: { apiHash: API_HASH, credentials: [{ apiId: 2040, apiHash: 'f00d'.repeat(8) }] } },
        login: { step: { secret: 'nested-secret-value' } },
      },
      'adding account',
    );
    const text = out.text();
    for (const secret of [TOKEN, 'S1-short-session', 'hunter2-2fa', '12345', API_HASH, 'f00d'.repeat(8), 'nested-secret-value']) {
      expect(text).not.toContain(secret);
    }
    expect(out.lines()[0]).toMatchObject({
      token: REDACTED,
      account: { sessionString: REDACTED, password: REDACTED, code: REDACTED, phone: '+15550000001' },
      config: { bot: { token: REDACTED }, telegram: { apiHash: REDACTED, credentials: [{ apiId: 2040, apiHash: REDACTED }] } },
    });
  });

  it('keeps error codes, which are diagnostics rather than login codes', () => {
    const out = capture();
    const error = Object.assign(new Error('connect failed'), { code: 'ECONNREFUSED' });
    out.logger.error({ err: error, rpc: { code: 420 } }, 'failed');
    expect(out.lines()[0]).toMatchObject({ err: { code: 'ECONNREFUSED', message: 'connect failed' }, rpc: { code: 420 } });
  });

  it('never writes a registered secret found in an error message, stack or any field', () => {
    const out = capture({ secrets: [API_HASH] });
    const error = new Error(`invalid api hash ${API_HASH}`);
    out.logger.error({ err: error, note: `hash=${API_HASH}` }, `login failed for ${API_HASH}`);
    const text = out.text();
    expect(text).not.toContain(API_HASH);
    expect(out.lines()[0]).toMatchObject({ msg: `login failed for ${REDACTED}`, note: `hash=${REDACTED}` });
    expect((out.lines()[0]?.err as { message: string }).message).toBe(`invalid api hash ${REDACTED}`);
  });

  it('never writes a bot token or session string from an error, registered or not', () => {
    const out = capture();
    out.logger.error({ err: new Error(`request to /bot${TOKEN}/getUpdates failed`) }, 'polling stopped');
    out.logger.warn({ detail: { text: `restoring ${SESSION}` } }, `session ${SESSION} rejected`);
    const text = out.text();
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(SESSION.slice(0, 60));
    expect(out.lines()).toHaveLength(2);
  });

  it('protects secrets added to a Set after the logger was made, also in child loggers', () => {
    const secrets = new Set<string>();
    const out = capture({ secrets });
    const child = out.logger.child({ accountId: 7 });
    secrets.add('late-session-string-value');
    child.info(`using late-session-string-value`);
    expect(out.text()).not.toContain('late-session-string-value');
    expect(out.lines()[0]).toMatchObject({ accountId: 7, msg: `using ${REDACTED}` });
  });
});
