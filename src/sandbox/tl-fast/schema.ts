import { Api } from 'telegram';

/**
 * Constructor ids for the fast writers, read from GramJS's Api classes. A constructor id is the CRC32 of
 * its TL schema line (https://core.telegram.org/mtproto/TL-combinators), so the id a writer was written
 * from pins the whole line: field order, flag bits and types. When a GramJS upgrade changes one of these
 * lines, `FAST_SCHEMA_MATCHES` turns false and every page falls back to GramJS's own `getBytes()` until
 * the writers are brought up to date (the equality tests under test/sandbox/tl-fast say which).
 */

export const ID = {
  user: Api.User.CONSTRUCTOR_ID,
  userStatusEmpty: Api.UserStatusEmpty.CONSTRUCTOR_ID,
  userStatusOnline: Api.UserStatusOnline.CONSTRUCTOR_ID,
  userStatusOffline: Api.UserStatusOffline.CONSTRUCTOR_ID,
  userStatusRecently: Api.UserStatusRecently.CONSTRUCTOR_ID,
  userStatusLastWeek: Api.UserStatusLastWeek.CONSTRUCTOR_ID,
  userStatusLastMonth: Api.UserStatusLastMonth.CONSTRUCTOR_ID,
  channelParticipant: Api.ChannelParticipant.CONSTRUCTOR_ID,
  channelParticipantSelf: Api.ChannelParticipantSelf.CONSTRUCTOR_ID,
  channelParticipantCreator: Api.ChannelParticipantCreator.CONSTRUCTOR_ID,
  channelParticipantAdmin: Api.ChannelParticipantAdmin.CONSTRUCTOR_ID,
  chatAdminRights: Api.ChatAdminRights.CONSTRUCTOR_ID,
  channelsChannelParticipants: Api.channels.ChannelParticipants.CONSTRUCTOR_ID,
} as const;

/** The schema lines the writers were written from (GramJS 2.26, layer 198), by their ids. */
const WRITTEN_FOR: { readonly [K in keyof typeof ID]: number } = {
  // user#4b46c37e flags:# self:flags.10?true … bot_verification_icon:flags2.14?long = User;
  user: 0x4b46c37e,
  userStatusEmpty: 0x09d05049,
  userStatusOnline: 0xedb93949,
  userStatusOffline: 0x008c703f,
  userStatusRecently: 0x7b197dc8,
  userStatusLastWeek: 0x541a1d1a,
  userStatusLastMonth: 0x65899777,
  // channelParticipant#cb397619 flags:# user_id:long date:int subscription_until_date:flags.0?int
  channelParticipant: 0xcb397619,
  // channelParticipantSelf#4f607bef flags:# via_request:flags.0?true user_id:long inviter_id:long date:int subscription_until_date:flags.1?int
  channelParticipantSelf: 0x4f607bef,
  // channelParticipantCreator#2fe601d3 flags:# user_id:long admin_rights:ChatAdminRights rank:flags.0?string
  channelParticipantCreator: 0x2fe601d3,
  // channelParticipantAdmin#34c3bb53 flags:# can_edit:flags.0?true self:flags.1?true user_id:long inviter_id:flags.1?long promoted_by:long date:int admin_rights:ChatAdminRights rank:flags.2?string
  channelParticipantAdmin: 0x34c3bb53,
  chatAdminRights: 0x5fb224d5,
  // channels.channelParticipants#9ab0feaf count:int participants:Vector<ChannelParticipant> chats:Vector<Chat> users:Vector<User>
  channelsChannelParticipants: 0x9ab0feaf,
};

/** The constructors GramJS serialises now whose ids differ from those the writers were written from. */
export function schemaMismatches(): string[] {
  return (Object.keys(ID) as (keyof typeof ID)[]).filter((k) => ID[k] >>> 0 !== WRITTEN_FOR[k]);
}

/** Whether the fast writers match GramJS's schema; when false, answers go through GramJS's `getBytes()`. */
export const FAST_SCHEMA_MATCHES = schemaMismatches().length === 0;
