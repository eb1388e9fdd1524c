import { once } from 'node:events';
import type { Logger } from 'pino';
import { startModuleWorker } from '../../worker-thread.js';
import type { SandboxEndpoint } from '../wire/connection.js';
import { socketEndpoint } from '../wire/socket-endpoint.js';
import type { World } from '../world-file.js';
import { relayLog, type LogMessage } from '../../worker-log.js';

/** What the thread is started with. */
export interface WorldThreadData {
  readonly world: World;
  readonly tracePath: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly logLevel: string;
}

export type WorldThreadMessage =
  | { readonly kind: 'ready'; readonly address: string }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'stopped' }
  | LogMessage;

export interface WorldThreadOptions {
  /** A parsed world (loadWorldFile, demoWorld). */
  readonly world: World;
  /**
   * JSON-lines trace file, written by the thread (SANDBOX_TRACE).
   * @default undefined (no trace)
   */
  readonly tracePath?: string | undefined;
  /**
   * Interface the thread serves on; other processes reach it there (SANDBOX_SERVE).
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * Port; 0 picks a free one.
   * @default 0
   */
  readonly port?: number;
  /** Receives the thread's log lines. */
  readonly logger: Logger;
}

export interface WorldThread {
  /** `host:port` the world is served on. */
  readonly address: string;
  /** How this process reaches it. */
  readonly endpoint: SandboxEndpoint;
  /** Stops the world (timers, connections, trace) and the thread. */
  stop(): Promise<void>;
}

/** Thrown when the world thread cannot start (e.g. the port is taken). */
export class WorldThreadError extends Error {
  override readonly name = 'WorldThreadError';
}

/**
 * Runs the simulated Telegram in its own thread: on real Telegram its CPU is not ours, so it must not
 * slow the panel down or be charged to it in benchmarks.
 */
export async function startWorldThread(options: WorldThreadOptions): Promise<WorldThread> {
  const data: WorldThreadData = {
    world: options.world,
    tracePath: options.tracePath,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    logLevel: options.logger.level,
  };
  const entry = new URL(import.meta.url.endsWith('.ts') ? './world-thread-entry.ts' : './world-thread-entry.js', import.meta.url);
  const worker = startModuleWorker(entry, { workerData: data });
  const log = options.logger;
  let stopped: (() => void) | undefined;
  const ready = new Promise<string>((resolve, reject) => {
    worker.on('message', (message: WorldThreadMessage) => {
      if ('t' in message) relayLog(log, message);
      else if (message.kind === 'ready') resolve(message.address);
      else if (message.kind === 'failed') reject(new WorldThreadError(`the simulated Telegram could not start: ${message.message}`));
      else stopped?.();
    });
    worker.once('error', (error) => {
      log.error({ err: error }, 'the simulated Telegram thread failed');
      reject(new WorldThreadError(`the simulated Telegram thread failed: ${error.message}`, { cause: error }));
    });
    worker.once('exit', (code) => reject(new WorldThreadError(`the simulated Telegram thread exited (code ${code})`)));
  });
  let address: string;
  try {
    address = await ready;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    address,
    endpoint: socketEndpoint(address),
    stop() {
      stopping ??= (async () => {
        const done = new Promise<void>((resolve) => (stopped = resolve));
        const exited = once(worker, 'exit').then(() => undefined);
        worker.postMessage({ kind: 'stop' });
        // A world that does not stop within a second is stopped the hard way.
        await Promise.race([done, exited, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
        await worker.terminate();
      })();
      return stopping;
    },
  };
}
