export { createMetrics, ACCOUNT_STATES, type Metrics, type MetricsEngine, type MetricsOptions, type Outcome } from './metrics.js';
export { createHealthCheck, type EnginePhase, type HealthOptions, type HealthReport } from './health.js';
export { createMetricsServer, MetricsPortError, type MetricsServer, type MetricsServerOptions } from './metrics-server.js';
export { configuredMetricsEndpoint, createMetricsEndpoint, type MetricsEndpoint, type MetricsEndpointOptions } from './metrics-endpoint.js';
