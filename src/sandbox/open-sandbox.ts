import type { Logger } from 'pino';
import type { HostPort } from '../config.js';
import { demoWorld } from './demo-world.js';
import { startWorldThread, type WorldThread } from './host/world-thread.js';
import { worldEndpoint } from './sandbox-client.js';
import type { SandboxEndpoint, SandboxInfo } from './wire/connection.js';
import { socketEndpoint } from './wire/socket-endpoint.js';
import { loadWorldFile } from './world-file.js';
import type { SandboxWorld } from './world.js';

export interface OpenSandboxOptions {
  /** SANDBOX_WORLD: a world file; undefined: the demo world. */
  readonly worldPath: string | undefined;
  /** SANDBOX_TRACE. */
  readonly tracePath: string | undefined;
  /** SANDBOX_SERVE: serve the world there (for other processes too). */
  readonly serve: HostPort | undefined;
  /** SANDBOX_CONNECT: use the world another process serves. */
  readonly connect: HostPort | undefined;
  /**
   * A world in this thread to use instead (tests that inspect or restart around one world).
   * @default undefined
   */
  readonly world?: SandboxWorld | undefined;
  readonly logger: Logger;
}

/** The simulated Telegram a process uses, wherever it lives. */
export interface OpenSandbox {
  readonly endpoint: SandboxEndpoint;
  readonly info: SandboxInfo;
  /** Where this process serves the world, when it hosts one: `host:port`. */
  readonly address: string | undefined;
  /** How another thread of this process reaches the world (`host:port`); undefined for a world in this thread. */
  readonly socket: string | undefined;
  /** Stops what this process started (a world thread); a given world or a remote one is left alone. */
  stop(): Promise<void>;
}

/**
 * Finds the simulated Telegram: another process's (SANDBOX_CONNECT), a world given in this thread, or a world
 * this process hosts in a thread of its own (SANDBOX_WORLD or the demo, served on SANDBOX_SERVE or a free
 * loopback port), so its CPU never slows the panel down.
 */
export async function openSandbox(options: OpenSandboxOptions): Promise<OpenSandbox> {
  const { logger } = options;
  if (options.world) {
    const endpoint = worldEndpoint(options.world);
    return { endpoint, info: await endpoint.info(), address: undefined, socket: undefined, stop: () => Promise.resolve() };
  }
  if (options.connect) {
    if (options.worldPath || options.tracePath) {
      logger.warn('SANDBOX_WORLD and SANDBOX_TRACE belong to the process that serves the simulated Telegram; with SANDBOX_CONNECT they are ignored');
    }
    const endpoint = socketEndpoint(options.connect);
    return { endpoint, info: await endpoint.info(), address: undefined, socket: endpoint.label, stop: () => Promise.resolve() };
  }
  const definition = options.worldPath ? await loadWorldFile(options.worldPath) : demoWorld();
  const thread: WorldThread = await startWorldThread({
    world: definition,
    tracePath: options.tracePath,
    ...(options.serve ? { host: options.serve.host, port: options.serve.port } : {}),
    logger: logger.child({ module: 'sandbox' }),
  });
  try {
    return { endpoint: thread.endpoint, info: await thread.endpoint.info(), address: thread.address, socket: thread.address, stop: () => thread.stop() };
  } catch (error) {
    await thread.stop();
    throw error;
  }
}
