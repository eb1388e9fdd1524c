import { createCanvas, type Canvas } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type ChartType, type Plugin } from 'chart.js';
import type { ExportStatus, MemberStats, MemberVia } from '../../db/repositories/member-data.js';
import type { HourlyBucket } from '../../db/repositories/reports.js';
import { formatNumber } from '../format.js';
import { LAST_SEEN_LABELS, STATS_STATUSES, STATS_WAYS, VIA_LABELS } from '../views/member-stats.js';

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
const whiteBackground: Plugin<ChartType> = {
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
  return draw(config, width, height);
}

/**
 * Draws one chart on a canvas of its own and hands the canvas to `use` before the chart is destroyed
 * (destroying a chart clears its canvas).
 */
function withChart<T extends ChartType, R>(config: ChartConfiguration<T>, width: number, height: number, use: (canvas: Canvas) => R): R {
  const canvas = createCanvas(width, height);
  // Chart.js draws on any 2D context; it detects there is no DOM and uses its basic platform.
  const chart = new Chart(canvas.getContext('2d') as unknown as ConstructorParameters<typeof Chart>[0], config as unknown as ChartConfiguration);
  try {
    return use(canvas);
  } finally {
    chart.destroy();
  }
}

/** Draws one chart as a PNG. */
function draw<T extends ChartType>(config: ChartConfiguration<T>, width: number, height: number): Buffer {
  return withChart(config, width, height, (canvas) => canvas.toBuffer('image/png'));
}

export interface MemberStatsChartOptions {
  /** Names the chat above the last-seen bars, like `Big chat (@bigchat)`. */
  readonly title: string;
  /** @default 1000 */
  readonly width?: number;
  /** @default 500 */
  readonly height?: number;
}

/** Fresher classes greener, older greyer. */
const STATUS_COLOURS: Readonly<Record<ExportStatus, string>> = {
  online: '#2e7d32',
  offline: '#66bb6a',
  recently: '#1e88e5',
  last_week: '#64b5f6',
  last_month: '#9575cd',
  long_ago: '#9e9e9e',
  unknown: '#d6d6d6',
};
const VIA_COLOURS: Readonly<Record<MemberVia, string>> = { list: '#4e79a7', search: '#f28e2b', messages: '#e15759' };

/**
 * Draws a chat's stored members as a PNG: their last-seen classes as bars (left, three fifths of the
 * width) and the ways they were found as a doughnut (right).
 */
export function renderMemberStatsChart(stats: MemberStats, options: MemberStatsChartOptions): Buffer {
  const { width = 1000, height = 500, title } = options;
  const barsWidth = Math.round((width * 3) / 5);
  const statuses = STATS_STATUSES;
  const ways = STATS_WAYS;
  const font = { family: FONT };
  // A picture drawn once at its own size: what both halves share.
  const still = { responsive: false, animation: false, devicePixelRatio: 1, font, layout: { padding: 16 } } as const;
  const bars: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: statuses.map((s) => LAST_SEEN_LABELS[s]),
      datasets: [{ label: 'members', data: statuses.map((s) => stats.byStatus[s]), backgroundColor: statuses.map((s) => STATUS_COLOURS[s]) }],
    },
    options: {
      ...still,
      plugins: {
        title: { display: true, text: [title, `${formatNumber(stats.total)} stored members by last seen`], font: { ...font, size: 16 } },
        legend: { display: false },
      },
      scales: { x: { ticks: { font } }, y: { beginAtZero: true, ticks: { precision: 0, font } } },
    },
    plugins: [whiteBackground],
  };
  const doughnut: ChartConfiguration<'doughnut'> = {
    type: 'doughnut',
    data: {
      labels: ways.map((w) => `${VIA_LABELS[w]}: ${formatNumber(stats.byVia[w])}`),
      datasets: [{ data: ways.map((w) => stats.byVia[w]), backgroundColor: ways.map((w) => VIA_COLOURS[w]) }],
    },
    options: {
      ...still,
      plugins: {
        title: { display: true, text: 'How they were found', font: { ...font, size: 16 } },
        legend: { position: 'bottom', labels: { font } },
      },
    },
    plugins: [whiteBackground],
  };
  const picture = createCanvas(width, height);
  const ctx = picture.getContext('2d');
  withChart(bars, barsWidth, height, (canvas) => ctx.drawImage(canvas, 0, 0));
  withChart(doughnut, width - barsWidth, height, (canvas) => ctx.drawImage(canvas, barsWidth, 0));
  return picture.toBuffer('image/png');
}
