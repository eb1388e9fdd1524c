import { describe, expect, it } from 'vitest';
import { imageSize } from '../../../src/sandbox/bot-api/image-size.js';
import { pngHeader } from './helpers.js';

describe('imageSize', () => {
  it('does read PNG and GIF headers', () => {
    expect(imageSize(pngHeader(800, 600))).toEqual({ width: 800, height: 600 });
    const gif = Buffer.from('GIF89a\x40\x01\xf0\x00', 'latin1');
    expect(imageSize(gif)).toEqual({ width: 320, height: 240 });
  });

  it('does find the JPEG frame header after other segments', () => {
    const app0 = [0xff, 0xe0, 0x00, 0x04, 0x4a, 0x46];
    const sof0 = [0xff, 0xc0, 0x00, 0x0b, 0x08, 0x01, 0xe0, 0x02, 0x80, 0x01, 0x01];
    expect(imageSize(Buffer.from([0xff, 0xd8, ...app0, ...sof0]))).toEqual({ width: 640, height: 480 });
  });

  it('does return undefined for bytes that are no image', () => {
    expect(imageSize(Buffer.from('just text'))).toBeUndefined();
    expect(imageSize(Buffer.from([0xff, 0xd8, 0x00]))).toBeUndefined();
  });
});
