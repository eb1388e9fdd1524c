import { describe, expect, it } from 'vitest';
import { renderActivityChart, renderMemberStatsChart } from '../../../src/bot/report/chart.js';
import { STATS } from '../member-stats-fixture.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the IHDR chunk, which a PNG always starts with (https://www.w3.org/TR/png/#11IHDR). */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** How many pixels of a row band differ from white: the chart drew something there. */
async function inkIn(png: Buffer, x0: number, x1: number): Promise<number> {
  const { loadImage, createCanvas } = await import('@napi-rs/canvas');
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const { data } = ctx.getImageData(x0, 0, x1 - x0, image.height);
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i]! < 200 || data[i + 1]! < 200 || data[i + 2]! < 200) ink += 1;
  return ink;
}

describe('renderMemberStatsChart', () => {
  it('draws a PNG of the asked size with both halves drawn on white', async () => {
    const png = renderMemberStatsChart(STATS, { title: 'Capped chat (@cappedchat)' });
    expect(pngSize(png)).toEqual({ width: 1000, height: 500 });
    // Far below Telegram's 10 MB for photos, and more than an empty picture.
    expect(png.length).toBeGreaterThan(10_000);
    expect(png.length).toBeLessThan(1_000_000);
    expect(await inkIn(png, 0, 600)).toBeGreaterThan(20_000);
    expect(await inkIn(png, 600, 1000)).toBeGreaterThan(20_000);
    expect(pngSize(renderMemberStatsChart(STATS, { title: 'x', width: 640, height: 320 }))).toEqual({ width: 640, height: 320 });
  });

  it('leaves the activity chart as it was', () => {
    expect(pngSize(renderActivityChart([{ hour: 0, members: 5, succeeded: 1, failed: 0 }]))).toEqual({ width: 900, height: 450 });
  });
});
