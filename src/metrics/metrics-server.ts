import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { HealthReport } from './health.js';
import type { Metrics } from './metrics.js';

/** The metrics port could not be opened: the start stops with this one line naming METRICS_PORT. */
export class MetricsPortError extends Error {
  override readonly name = 'MetricsPortError';
  constructor(
    readonly port: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface MetricsServerOptions {
  readonly metrics: Pick<Metrics, 'text' | 'contentType'>;
  readonly health: () => Promise<HealthReport>;
  readonly logger: Logger;
  /**
   * The address it listens on: loopback only, since the metrics tell how the fleet is doing.
   * @default '127.0.0.1'
   */
  readonly host?: string;
}

/** `GET /metrics` (Prometheus text) and `GET /healthz` (JSON) over node:http (README: Metrics and health). */
export interface MetricsServer {
  /** `http://host:port` once listening; undefined before and after. */
  readonly url: string | undefined;
  /** Listens on `port` (0: any free one); rejects with a MetricsPortError when it cannot. */
  listen(port: number): Promise<string>;
  /** Stops listening and drops open connections; idempotent. */
  close(): Promise<void>;
}

export function createMetricsServer({ metrics, health, logger, host = '127.0.0.1' }: MetricsServerOptions): MetricsServer {
  let server: Server | undefined;
  let url: string | undefined;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== '/metrics' && path !== '/healthz') return send(response, 404, 'text/plain; charset=utf-8', 'Not found: try /metrics or /healthz\n');
    // HEAD is GET without the body (node:http leaves the body out itself).
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return send(response, 405, 'text/plain; charset=utf-8', 'Method not allowed: only GET\n');
    }
    if (path === '/metrics') return send(response, 200, metrics.contentType, await metrics.text());
    const report = await health();
    send(response, report.status === 'ok' ? 200 : 503, 'application/json; charset=utf-8', `${JSON.stringify(report)}\n`);
  }

  return {
    get url() {
      return url;
    },
    listen(port) {
      if (server) return Promise.reject(new Error('the metrics server is already listening'));
      const listening = createServer((request, response) => {
        handle(request, response).catch((error: unknown) => {
          logger.error({ err: error, url: request.url }, 'metrics request failed');
          if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', 'Internal error while collecting\n');
          else response.destroy();
        });
      });
      return new Promise<string>((resolve, reject) => {
        listening.once('error', (error: NodeJS.ErrnoException) => reject(portError(port, error)));
        listening.listen(port, host, () => {
          server = listening;
          const address = listening.address() as AddressInfo;
          url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
          logger.info({ url }, `metrics at ${url}/metrics, health at ${url}/healthz`);
          resolve(url);
        });
      });
    },
    async close() {
      const closing = server;
      server = undefined;
      url = undefined;
      if (!closing) return;
      await new Promise<void>((resolve) => {
        closing.close(() => resolve());
        // A scraper's keep-alive connection would hold the close open until it times out.
        closing.closeAllConnections();
      });
    },
  };
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  response.end(body);
}

function portError(port: number, error: NodeJS.ErrnoException): MetricsPortError {
  const why =
    error.code === 'EADDRINUSE'
      ? 'is in use by another program'
      : error.code === 'EACCES'
        ? 'may not be opened by this user'
        : `cannot be opened (${error.code ?? error.message})`;
  return new MetricsPortError(port, `METRICS_PORT ${port} ${why}: choose another port or unset METRICS_PORT`, { cause: error });
}
