import QRCode from 'qrcode';

/**
 * A PNG of a QR code that holds `text` (a `tg://login?token=…` link), large enough for a phone to read off a
 * screen: 8 pixels a module and the 4-module quiet zone the QR standard asks for.
 */
export function qrCodePng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', scale: 8, margin: 4 });
}
