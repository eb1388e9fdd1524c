import { Writable } from 'node:stream';
import type { MessagePort } from 'node:worker_threads';
import pino, { type Logger } from 'pino';

/** A log line a thread sends to the main thread's logger. */
export interface LogMessage {
  readonly t: 'log';
  readonly line: string;
}

/** A logger inside a worker thread whose lines go to the main thread (its destination, redaction and level). */
export function threadLogger(port: MessagePort, level: string): Logger {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      port.postMessage({ t: 'log', line: chunk.toString('utf8') } satisfies LogMessage);
      done();
    },
  });
  return pino({ level }, destination);
}

const LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** Writes a thread's log line through `logger`, at its level. */
export function relayLog(logger: Logger, message: LogMessage): void {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(message.line) as Record<string, unknown>;
  } catch {
    return;
  }
  const { level, msg, time: _time, pid: _pid, hostname: _hostname, ...rest } = record;
  const method = LEVELS[Number(level)] ?? 'info';
  logger[method](rest, typeof msg === 'string' ? msg : '');
}
