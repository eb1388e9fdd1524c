import { describe, expect, it } from 'vitest';
import { multipartBoundary, parseMultipart } from '../../../src/sandbox/bot-api/multipart.js';

const body = (text: string): Buffer => Buffer.from(text.replaceAll('\n', '\r\n'), 'latin1');

describe('parseMultipart', () => {
  it('does read grammY’s compact headers with an unquoted filename', () => {
    const parts = parseMultipart(
      body(
        '--XyZ\ncontent-disposition:form-data;name="chat_id"\n\n501\n--XyZ\n' +
          'content-disposition:form-data;name="document"\n\nattach://abc\n--XyZ\n' +
          'content-disposition:form-data;name="abc";filename=my list.txt\ncontent-type:application/octet-stream\n\nline 1\nline 2\n--XyZ--\n',
      ),
      'XyZ',
    );
    expect(parts.map((p) => [p.name, p.filename, p.data.toString('latin1')])).toEqual([
      ['chat_id', undefined, '501'],
      ['document', undefined, 'attach://abc'],
      ['abc', 'my list.txt', 'line 1\r\nline 2'],
    ]);
  });

  it('does read quoted and RFC 5987 file names as browsers send them', () => {
    const parts = parseMultipart(
      body(
        '--b\nContent-Disposition: form-data; name="photo"; filename="a;b.png"; filename*=UTF-8\'\'%C3%BCber.png\nContent-Type: image/png\n\nPNG\n--b--',
      ),
      'b',
    );
    expect(parts).toMatchObject([{ name: 'photo', filename: 'über.png', contentType: 'image/png' }]);
  });

  it('does keep binary data that contains line breaks and dashes intact', () => {
    const data = Buffer.from([0x0d, 0x0a, 0x2d, 0x2d, 0x00, 0xff, 0x0d, 0x0a]);
    const framed = Buffer.concat([body('--q\ncontent-disposition:form-data;name="f";filename=x.bin\n\n'), data, body('\n--q--\n')]);
    expect(parseMultipart(framed, 'q')[0]?.data).toEqual(data);
  });

  it('does refuse a body without the boundary', () => {
    expect(() => parseMultipart(body('nothing here'), 'q')).toThrow(/Bad Request: can't parse multipart/);
  });
});

describe('multipartBoundary', () => {
  it('does read plain and quoted boundaries', () => {
    expect(multipartBoundary('multipart/form-data; boundary=----------abc')).toBe('----------abc');
    expect(multipartBoundary('multipart/form-data; boundary="x y"')).toBe('x y');
  });
});
