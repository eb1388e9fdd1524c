export {
  WorldFileError,
  loadWorldFile,
  parseWorld,
  phoneDigits,
  maxPoolNumber,
  type World,
  type WorldInput,
  type WorldAccount,
  type WorldChat,
  type WorldFault,
  type WorldTimelineEntry,
  type WorldProxy,
  proxyAddress,
  type WorldFileIssue,
  type ChatKind,
} from './world-file.js';
export { demoWorld, DEMO_CHATS } from './demo-world.js';
export {
  SandboxWorld,
  createWorld,
  type SandboxWorldOptions,
  type SandboxAccount,
  type ChatState,
  type SentMessage,
  type WorldEvent,
  type JoinResult,
} from './world.js';
export type { ChatMessage, MessageAuthor } from './message-history.js';
export type { PrivateMessage } from './private-chats.js';
export { POOL_ID_BASE, poolUser, type PoolLastSeen, type PoolUser } from './pool.js';
export type { TraceEntry, ConnectionTraceFields } from './trace.js';
export { SandboxRpcError, rpcErrorCode } from './rpc-error.js';
export { createTelegramServer, localEndpoint, METHOD_NOT_SUPPORTED, type TelegramServer, type ServerSession } from './telegram-server.js';
export { SandboxSender, proxyHello, type SandboxSenderOptions } from './sandbox-sender.js';
export {
  createSandboxClient,
  sandboxServer,
  sandboxTransport,
  worldEndpoint,
  worldSession,
  SANDBOX_CREDENTIALS,
  type SandboxClientOptions,
} from './sandbox-client.js';
export {
  SandboxConnectError,
  type SandboxEndpoint,
  type SandboxConnection,
  type SandboxInfo,
  type SandboxAccountInfo,
  type LoginTokenScan,
  type ConnectionHello,
  type CallOutcome,
  type ConnectionEvent,
} from './wire/connection.js';
