import { afterEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.js';
import { pingDatabase } from '../../src/db/ping.js';
import { createHealthCheck, createMetrics, createMetricsServer, MetricsPortError, type EnginePhase, type Metrics, type MetricsServer } from '../../src/metrics/index.js';
import { createHarness, silentLogger, type Harness } from '../engine/harness.js';
import { valueOf } from './prometheus-text.js';

let harness: Harness | undefined;
let servers: MetricsServer[] = [];
const metricsList: Metrics[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  for (const metrics of metricsList.splice(0)) metrics.close();
  await harness?.engine.stop();
  harness?.db.close();
  harness = undefined;
});

interface Served {
  readonly url: string;
  readonly server: MetricsServer;
  readonly db: DatabaseHandle;
  phase: EnginePhase;
}

/** A metrics server over a real engine (one per test) and its database, listening on a free port. */
async function serve(options: { ping?: () => unknown; pingTimeoutMs?: number } = {}): Promise<Served> {
  harness ??= await createHarness(2);
  const { db, engine } = harness;
  const metrics = createMetrics({ engine, role: 'all', workerName: 'box:7' });
  metricsList.push(metrics);
  const served = { phase: 'running' as EnginePhase } as Served & { phase: EnginePhase };
  const health = createHealthCheck({
    role: 'all',
    workerName: 'box:7',
    pingDatabase: options.ping ?? (() => pingDatabase(db)),
    enginePhase: () => served.phase,
    ...(options.pingTimeoutMs === undefined ? {} : { pingTimeoutMs: options.pingTimeoutMs }),
  });
  const server = createMetricsServer({ metrics, health, logger: silentLogger() });
  servers.push(server);
  const url = await server.listen(0);
  return Object.assign(served, { url, server, db });
}

describe('MetricsServer', () => {
  it('serves the metrics as Prometheus text on 127.0.0.1', async () => {
    const { url } = await serve();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(valueOf(text, 'switchboard_accounts', { state: 'idle', role: 'all', worker: 'box:7' })).toBe(2);
    // A query string does not change the path.
    expect((await fetch(`${url}/metrics?name[]=x`)).status).toBe(200);
  });

  it('answers /healthz with 200 while the database answers and the engine runs', async () => {
    const { url } = await serve();
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({ status: 'ok', role: 'all', worker: 'box:7', uptimeSeconds: expect.any(Number), database: 'ok', engine: 'running' });
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('answers /healthz with 503 and the reason in plain words once the database is closed', async () => {
    const served = await serve();
    served.db.close();
    const response = await fetch(`${served.url}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: 'unhealthy',
      reason: 'the database does not answer: The database connection is not open',
      database: 'failing',
      engine: 'running',
    });
  });

  it('answers /healthz with 503 while the engine is not running, saying where it stands', async () => {
    const served = await serve();
    for (const phase of ['starting', 'stopping'] as const) {
      served.phase = phase;
      const response = await fetch(`${served.url}/healthz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: 'unhealthy', reason: `the engine is ${phase}`, database: 'ok', engine: phase });
    }
  });

  it('counts a database that does not answer in time as failing, and scrubs passwords from its error', async () => {
    const hung = await serve({ ping: () => new Promise(() => undefined), pingTimeoutMs: 20 });
    expect(await (await fetch(`${hung.url}/healthz`)).json()).toMatchObject({ status: 'unhealthy', reason: 'the database did not answer within 20 ms' });
    const failing = await serve({
      ping: () => {
        throw new Error('connect ECONNREFUSED for postgres://switchboard:hunter2-secret@10.0.0.5:5432/db');
      },
    });
    const body = (await (await fetch(`${failing.url}/healthz`)).json()) as { reason: string };
    expect(body.reason).toMatch(/^the database does not answer: connect ECONNREFUSED/);
    expect(body.reason).not.toContain('hunter2-secret');
  });

  it('counts uptime from when the check was built, on the clock it is given', async () => {
    let now = 1_000_000;
    const check = createHealthCheck({ role: 'worker', workerName: 'w', pingDatabase: () => undefined, enginePhase: () => 'running', now: () => now });
    now += 42_900;
    expect(await check()).toEqual({ status: 'ok', role: 'worker', worker: 'w', uptimeSeconds: 42, database: 'ok', engine: 'running' });
  });

  it('answers 404 for other paths and 405 for methods other than GET and HEAD', async () => {
    const { url } = await serve();
    const missing = await fetch(`${url}/`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toMatch(/\/metrics or \/healthz/);
    expect((await fetch(`${url}/metrics/extra`)).status).toBe(404);
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const refused = await fetch(`${url}/metrics`, { method });
      expect(refused.status).toBe(405);
      expect(refused.headers.get('allow')).toBe('GET, HEAD');
    }
    const head = await fetch(`${url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('refuses a port in use with one line naming METRICS_PORT', async () => {
    const { url } = await serve();
    const port = Number(new URL(url).port);
    const second = createMetricsServer({ metrics: { text: async () => '', contentType: 'text/plain' }, health: () => Promise.reject(new Error('unused')), logger: silentLogger() });
    servers.push(second);
    const error = await second.listen(port).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetricsPortError);
    expect((error as MetricsPortError).port).toBe(port);
    expect((error as Error).message).toBe(`METRICS_PORT ${port} is in use by another program: choose another port or unset METRICS_PORT`);
    expect(second.url).toBeUndefined();
  });

  it('closes at once although a scraper keeps its connection alive, and closing twice does nothing', async () => {
    const { url, server } = await serve();
    expect((await fetch(`${url}/metrics`, { headers: { connection: 'keep-alive' } })).status).toBe(200);
    await server.close();
    await server.close();
    expect(server.url).toBeUndefined();
    await expect(fetch(`${url}/metrics`)).rejects.toThrow();
  });
});
