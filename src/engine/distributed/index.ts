export { fairShare, freeAccounts } from './fair-share.js';
export {
  LeaseKeeper,
  LeaseKeeperOptionsError,
  type LeaseKeeperEvents,
  type LeaseKeeperOptions,
  type LeaseLossReason,
} from './lease-keeper.js';
export {
  EnqueueError,
  NotLeaseHolderError,
  OperationQueue,
  accountQueue,
  unassignedQueue,
  type AccountWorkOptions,
  type DeliveredJob,
  type JobHandler,
  type OperationJob,
  type OperationQueueOptions,
  type WorkOptions,
} from './operation-queue.js';
export { BossDialectError, bossDbOver, positionalSql } from './boss-db.js';
export { workerIdentity } from './worker-identity.js';
