export * from './client.js';
export * as schema from './schema.js';
export type {
  AccountRow,
  ChatMemberRow,
  ChatRow,
  MonitorHitRow,
  MonitorRow,
  OperationRow,
  OperationStatsRow,
  ScheduleRow,
  UserRow,
} from './schema.js';
export * from './session-crypto.js';
export * from './repositories/audit.js';
export * from './repositories/kv.js';
export * from './repositories/members.js';
export * from './repositories/monitors.js';
export * from './repositories/reports.js';
export * from './repositories/schedules.js';
export * from './repositories/budgets.js';
