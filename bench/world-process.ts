import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const SCRIPT = resolve(import.meta.dirname, 'world-server.ts');

/** A simulated Telegram served by a child process (bench/world-server.ts). */
export interface WorldProcess {
  /** `host:port`, for SANDBOX_CONNECT. */
  readonly address: string;
  readonly pid: number;
  /** Stops the child and waits for its exit. */
  stop(): Promise<void>;
}

/** Thrown when the world process exits or says nothing useful before serving. */
export class WorldProcessError extends Error {
  override readonly name = 'WorldProcessError';
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
  }
}

/** Starts bench/world-server.ts on the world file `worldPath` and waits until it serves. */
export async function startWorldProcess(worldPath: string): Promise<WorldProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', SCRIPT, worldPath], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = once(child, 'exit').then(() => undefined);
  if (!child.stdout) throw new WorldProcessError('the world process has no stdout', err);
  const lines = createInterface({ input: child.stdout });
  const address = await new Promise<string>((done, fail) => {
    lines.once('line', (line) => {
      const parsed = JSON.parse(line) as { address?: unknown };
      if (typeof parsed.address === 'string') done(parsed.address);
      else fail(new WorldProcessError(`the world process said ${line}`, err));
    });
    void exited.then(() => fail(new WorldProcessError('the world process exited before serving', err)));
  });
  const pid = child.pid;
  if (pid === undefined) throw new WorldProcessError('the world process has no pid', err);
  return {
    address,
    pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
