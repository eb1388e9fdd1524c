import type { MemberStats } from '../../src/db/repositories/member-data.js';

/** The stats of pool users 1–700 of a chat whose list is capped at 300 (docs/sandbox.md, The user pool). */
export const STATS: MemberStats = {
  total: 700,
  byStatus: { online: 116, offline: 117, recently: 117, last_week: 117, last_month: 117, long_ago: 116, unknown: 0 },
  withUsername: 630,
  withPhone: 53,
  premium: 100,
  bots: 14,
  admins: 1,
  scamOrFake: 0,
  byVia: { list: 300, search: 400, messages: 0 },
};
