export { createEngine, Engine, type AccountResult, type AddAccountRequest, type CancelResult, type SubmitResult } from './engine.js';
export { classifyError, formatSeconds, OperationAbortedError, OperationFailure, EngineError, AccountConnectError, type Failure, type AbortKind } from './errors.js';
export { sleep } from './abort.js';
export type { ClientFactory, ClientRequest, EngineOptions, RetryOptions, SessionCipher, TimeoutOptions } from './options.js';
export type { AccountHealth } from './account-store.js';
export { TaskRegistry, type TaskInfo, type TaskScope, type CancelReport } from './rules/task-registry.js';
export * from './types.js';
