import { createCanvas, loadImage } from '@napi-rs/canvas';
import jsQRModule from 'jsqr';

// jsqr is CommonJS: Node hands its `module.exports` (the function) as the default; TypeScript types it as the module.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

/**
 * Reads the text of the QR code in a picture (PNG or JPEG bytes), as a phone's camera would: what the
 * sandbox's "scan" of a QR login code starts with. Undefined when the picture holds no readable QR code.
 */
export async function scanQrCode(picture: Buffer): Promise<string | undefined> {
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
