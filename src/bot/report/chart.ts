import { createCanvas } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type Plugin } from 'chart.js';
import type { HourlyBucket } from '../../db/repositories/reports.js';

// Chart.js keeps its registry globally; registering the same components again is a no-op.
Chart.register(...registerables);

export interface ChartOptions {
  /** @default 900 */
  readonly width?: number;
  /** @default 450 */
  readonly height?: number;
  /** @default 'Last 24 hours' */
  readonly title?: string;
}

const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

/** Chart.js leaves the canvas transparent; Telegram shows transparent PNGs on dark backgrounds badly. */
const whiteBackground: Plugin<'bar'> = {
  id: 'whiteBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

/** `09:00` in UTC, the label of an hourly bucket. */
const hourLabel = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/**
 * Draws the hourly activity as a PNG with Chart.js on a Skia canvas: members stored per hour as bars
 * (left axis), operations succeeded and failed as lines (right axis).
 */
export function renderActivityChart(series: readonly HourlyBucket[], options: ChartOptions = {}): Buffer {
  const { width = 900, height = 450, title = 'Last 24 hours (UTC)' } = options;
  const canvas = createCanvas(width, height);
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: series.map((b) => hourLabel(b.hour)),
      datasets: [
        { label: 'members stored', data: series.map((b) => b.members), backgroundColor: '#4e79a7', yAxisID: 'members', order: 2 },
        {
          // A line drawn inside a bar chart: Chart.js mixed charts are typed per main type.
          type: 'line' as 'bar',
          label: 'operations succeeded',
          data: series.map((b) => b.succeeded),
          borderColor: '#59a14f',
          backgroundColor: '#59a14f',
          yAxisID: 'operations',
          order: 1,
        },
        {
          type: 'line' as 'bar',
          label: 'operations failed',
          data: series.map((b) => b.failed),
          borderColor: '#e15759',
          backgroundColor: '#e15759',
          yAxisID: 'operations',
          order: 0,
        },
      ],
    },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      font: { family: FONT },
      plugins: {
        title: { display: true, text: title, font: { family: FONT, size: 16 } },
        legend: { reverse: true, labels: { font: { family: FONT } } },
      },
      scales: {
        x: { ticks: { font: { family: FONT } } },
        members: { type: 'linear', position: 'left', beginAtZero: true, title: { display: true, text: 'members', font: { family: FONT } }, ticks: { precision: 0 } },
        operations: {
          type: 'linear',
          position: 'right',
          beginAtZero: true,
          grid: { drawOnChartArea: false },
          title: { display: true, text: 'operations', font: { family: FONT } },
          ticks: { precision: 0 },
        },
      },
    },
    plugins: [whiteBackground],
  };
  // Chart.js draws on any 2D context; it detects there is no DOM and uses its basic platform.
  const chart = new Chart(canvas.getContext('2d') as unknown as ConstructorParameters<typeof Chart>[0], config);
  try {
    return canvas.toBuffer('image/png');
  } finally {
    chart.destroy();
  }
}
