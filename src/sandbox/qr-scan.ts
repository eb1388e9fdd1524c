import { createCanvas, loadImage } from '@napi-rs/canvas';
import jsQRModule from 'jsqr';

// jsqr is CommonJS: Node hands its `module.exports` (the function) as the default; TypeScript types it as the module.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

/**
 * Reads the text of the QR code in a picture (PNG or JPEG bytes), as a phone's camera would: what the
 * sandbox's "scan" of a QR login code starts with. Undefined when the picture holds no readable QR code.
 */
export async function scanQrCode(picture: Buffer): Promise<string | undefined> {
  // @napi-rs/canvas's decoder ends the whole process with a segmentation fault on a cut-off PNG or JPEG
  // (seen with 0.1.100: the 8-byte PNG signature alone does it), so only whole files reach it.
  if (!isWholeImage(picture)) return undefined;
  let image: Awaited<ReturnType<typeof loadImage>>;
  try {
    image = await loadImage(picture);
  } catch {
    return undefined;
  }
  const canvas = createCanvas(image.width, image.height);
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, image.width, image.height);
  return jsQR(pixels.data, image.width, image.height)?.data ?? undefined;
}

/**
 * Whether the bytes are a PNG whose chunks run whole up to IEND (https://www.w3.org/TR/png/#5Chunk-layout),
 * or a JPEG that starts with SOI and ends with EOI (ITU T.81, B.2.1). Anything else is not decoded.
 */
export function isWholeImage(bytes: Buffer): boolean {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a) {
    let at = 8;
    let first = true;
    while (at + 12 <= bytes.length) {
      const length = bytes.readUInt32BE(at);
      const type = bytes.toString('latin1', at + 4, at + 8);
      if (first && type !== 'IHDR') return false;
      first = false;
      const end = at + 12 + length;
      if (end > bytes.length) return false;
      if (type === 'IEND') return true;
      at = end;
    }
    return false;
  }
  return bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[bytes.length - 2] === 0xff && bytes[bytes.length - 1] === 0xd9;
}
