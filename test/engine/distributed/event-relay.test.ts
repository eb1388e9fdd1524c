import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EventBusError, type EventBus } from '../../../src/engine/distributed/event-bus.js';
import { relayEngineEvents } from '../../../src/engine/distributed/event-relay.js';
import type { FleetEvents } from '../../../src/engine/distributed/fleet-events.js';
import { createLocalEventBus } from '../../../src/engine/distributed/local-event-bus.js';
import type { Account, EngineEvents, Operation } from '../../../src/engine/types.js';
import { manualClock } from '../../manual-clock.js';

const logger = pino({ level: 'silent' });

const op = (id: number, done: number, extra: Partial<Operation> = {}): Operation => ({
  id,
  kind: 'scrape',
  type: 'scraping',
  params: {},
  status: 'running',
  priority: 5,
  pinnedAccountId: null,
  accountId: 1,
  attempts: 1,
  progress: { done, total: 1000 },
  result: null,
  error: null,
  notice: null,
  requestedBy: null,
  reportChatId: null,
  reportMessageId: null,
  parentId: null,
  createdAt: 0,
  startedAt: 0,
  finishedAt: null,
  ...extra,
});

function setUp(bus: EventBus<FleetEvents> = createLocalEventBus<FleetEvents>('worker')) {
  const events = new EventEmitter<EngineEvents>();
  const clock = manualClock(0);
  const heard: Array<[string, number | undefined, unknown]> = [];
  bus.subscribe((event, args) => {
    const first = args[0] as { id?: number; progress?: { done: number }; result?: unknown } | undefined;
    heard.push([event, first?.id, event === 'operation:finished' ? first?.result : first?.progress?.done]);
  });
  const stop = relayEngineEvents({ events, bus, logger, progressEveryMs: 1000, timers: clock });
  return { events, clock, heard, stop };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('relayEngineEvents', () => {
  it('does send progress at most once a second per operation, the latest one last, and none after the finish', async () => {
    const { events, clock, heard } = setUp();
    events.emit('operation:started', op(1, 0));
    events.emit('operation:progress', op(1, 200));
    events.emit('operation:progress', op(1, 400));
    events.emit('operation:progress', op(1, 600));
    events.emit('operation:progress', op(2, 50));
    await settle();
    expect(heard).toEqual([
      ['operation:started', 1, 0],
      ['operation:progress', 1, 200],
      ['operation:progress', 2, 50],
    ]);
    clock.advance(1000);
    await settle();
    expect(heard.slice(3)).toEqual([['operation:progress', 1, 600]]);
    events.emit('operation:progress', op(1, 800));
    events.emit('operation:finished', op(1, 1000, { status: 'succeeded', result: { found: 1000 } }));
    clock.advance(5000);
    await settle();
    expect(heard.slice(4)).toEqual([['operation:finished', 1, { found: 1000 }]]);
    expect(clock.pending()).toEqual([]);
  });

  it('does pass account changes on as they come', async () => {
    const { events, heard } = setUp();
    events.emit('account:state', { id: 9 } as Account, 'idle');
    await settle();
    expect(heard).toEqual([['account:state', 9, undefined]]);
  });

  it('does send a finish too big for the bus without its result', async () => {
    const local = createLocalEventBus<FleetEvents>('worker');
    const bus: EventBus<FleetEvents> = {
      ...local,
      async publish(event, ...args) {
        if (JSON.stringify(args).length > 8000) throw new EventBusError('over NOTIFY limit', event);
        return local.publish(event, ...args);
      },
    };
    const { events, heard } = setUp(bus);
    events.emit('operation:finished', op(3, 1000, { status: 'succeeded', result: { big: 'x'.repeat(9000) } }));
    await settle();
    expect(heard).toEqual([['operation:finished', 3, null]]);
  });

  it('does stop relaying, with no timer left, once stopped', async () => {
    const { events, clock, heard, stop } = setUp();
    events.emit('operation:progress', op(1, 1));
    events.emit('operation:progress', op(1, 2));
    stop();
    events.emit('operation:started', op(4, 0));
    await settle();
    expect(heard).toEqual([['operation:progress', 1, 1]]);
    expect(clock.pending()).toEqual([]);
  });
});
