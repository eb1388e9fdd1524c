import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createHealthCheck, type EnginePhase } from './health.js';
import { createMetrics, type Metrics, type MetricsEngine } from './metrics.js';
import { createMetricsServer } from './metrics-server.js';

export interface MetricsEndpointOptions {
  /** METRICS_PORT (0: any free port). */
  readonly port: number;
  readonly process: Config['process'];
  readonly engine: MetricsEngine;
  /** Asks the database a trivial question; throws when it does not answer. */
  readonly pingDatabase: () => unknown;
  readonly enginePhase: () => EnginePhase;
  readonly logger: Logger;
}

/** The metrics and health of one process on 127.0.0.1:METRICS_PORT, as the app starts and stops them. */
export interface MetricsEndpoint {
  readonly metrics: Metrics;
  /** `http://127.0.0.1:port` while serving. */
  readonly url: string | undefined;
  /** Starts serving; rejects with a MetricsPortError naming METRICS_PORT when the port cannot be opened. */
  start(): Promise<void>;
  /** Stops serving and listening to the engine; idempotent. */
  stop(): Promise<void>;
}

export function createMetricsEndpoint({ port, process, engine, pingDatabase, enginePhase, logger }: MetricsEndpointOptions): MetricsEndpoint {
  // Built with the app, before the engine starts, so operations resumed at start are counted too.
  const metrics = createMetrics({ engine, role: process.role, workerName: process.workerName });
  const health = createHealthCheck({ role: process.role, workerName: process.workerName, pingDatabase, enginePhase });
  const server = createMetricsServer({ metrics, health, logger });
  return {
    metrics,
    get url() {
      return server.url;
    },
    async start() {
      await server.listen(port);
    },
    async stop() {
      metrics.close();
      await server.close();
    },
  };
}

/** The endpoint METRICS_PORT asks for, or none when it is not set; every role builds it the same way. */
export function configuredMetricsEndpoint(
  config: Pick<Config, 'metrics' | 'process'>,
  options: Omit<MetricsEndpointOptions, 'port' | 'process' | 'logger'> & { readonly logger: Logger },
): MetricsEndpoint | undefined {
  if (config.metrics.port === undefined) return undefined;
  return createMetricsEndpoint({ ...options, port: config.metrics.port, process: config.process, logger: options.logger.child({ module: 'metrics' }) });
}
