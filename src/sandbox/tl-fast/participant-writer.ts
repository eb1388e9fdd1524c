import { ID } from './schema.js';
import type { TlLong, TlWriter } from './tl-writer.js';

/** https://core.telegram.org/constructor/chatAdminRights, named as GramJS names the flags. */
export interface AdminRightsFields {
  readonly changeInfo?: boolean;
  readonly postMessages?: boolean;
  readonly editMessages?: boolean;
  readonly deleteMessages?: boolean;
  readonly banUsers?: boolean;
  readonly inviteUsers?: boolean;
  readonly pinMessages?: boolean;
  readonly addAdmins?: boolean;
  readonly anonymous?: boolean;
  readonly manageCall?: boolean;
  readonly other?: boolean;
  readonly manageTopics?: boolean;
  readonly postStories?: boolean;
  readonly editStories?: boolean;
  readonly deleteStories?: boolean;
}

/**
 * The kinds of https://core.telegram.org/type/ChannelParticipant the fast writer covers, with the
 * fields GramJS would be given, longs as bigints or safe-integer numbers. `kind` names the constructor:
 * `member` is channelParticipant, `self` channelParticipantSelf, `admin` channelParticipantAdmin,
 * `creator` channelParticipantCreator.
 */
export type ParticipantFields =
  | { readonly kind: 'member'; readonly userId: TlLong; readonly date: number; readonly subscriptionUntilDate?: number }
  | {
      readonly kind: 'self';
      readonly userId: TlLong;
      readonly inviterId: TlLong;
      readonly date: number;
      readonly viaRequest?: boolean;
      readonly subscriptionUntilDate?: number;
    }
  | { readonly kind: 'creator'; readonly userId: TlLong; readonly adminRights: AdminRightsFields; readonly rank?: string }
  | {
      readonly kind: 'admin';
      readonly userId: TlLong;
      readonly promotedBy: TlLong;
      readonly date: number;
      readonly adminRights: AdminRightsFields;
      readonly canEdit?: boolean;
      /** Shares flag bit 1 with `inviterId`, as in the schema: set either and the bit is set. */
      readonly self?: boolean;
      readonly inviterId?: TlLong;
      readonly rank?: string;
    };

const bit = (on: boolean | undefined, n: number): number => (on ? 1 << n : 0);
const has = (value: unknown, n: number): number => (value === undefined ? 0 : 1 << n);

export function adminRightsFlags(r: AdminRightsFields): number {
  return (
    bit(r.changeInfo, 0) |
    bit(r.postMessages, 1) |
    bit(r.editMessages, 2) |
    bit(r.deleteMessages, 3) |
    bit(r.banUsers, 4) |
    bit(r.inviteUsers, 5) |
    bit(r.pinMessages, 7) |
    bit(r.addAdmins, 9) |
    bit(r.anonymous, 10) |
    bit(r.manageCall, 11) |
    bit(r.other, 12) |
    bit(r.manageTopics, 13) |
    bit(r.postStories, 14) |
    bit(r.editStories, 15) |
    bit(r.deleteStories, 16)
  );
}

export function writeAdminRights(w: TlWriter, r: AdminRightsFields): void {
  w.uint(ID.chatAdminRights);
  w.uint(adminRightsFlags(r));
}

/** A boxed ChannelParticipant, fields in schema order. */
export function writeChannelParticipant(w: TlWriter, p: ParticipantFields): void {
  switch (p.kind) {
    case 'member':
      w.uint(ID.channelParticipant);
      w.uint(has(p.subscriptionUntilDate, 0));
      w.long(p.userId);
      w.int(p.date);
      if (p.subscriptionUntilDate !== undefined) w.int(p.subscriptionUntilDate);
      return;
    case 'self':
      w.uint(ID.channelParticipantSelf);
      w.uint(bit(p.viaRequest, 0) | has(p.subscriptionUntilDate, 1));
      w.long(p.userId);
      w.long(p.inviterId);
      w.int(p.date);
      if (p.subscriptionUntilDate !== undefined) w.int(p.subscriptionUntilDate);
      return;
    case 'creator':
      w.uint(ID.channelParticipantCreator);
      w.uint(has(p.rank, 0));
      w.long(p.userId);
      writeAdminRights(w, p.adminRights);
      if (p.rank !== undefined) w.string(p.rank);
      return;
    case 'admin':
      w.uint(ID.channelParticipantAdmin);
      w.uint(bit(p.canEdit, 0) | bit(p.self, 1) | has(p.inviterId, 1) | has(p.rank, 2));
      w.long(p.userId);
      if (p.inviterId !== undefined) w.long(p.inviterId);
      w.long(p.promotedBy);
      w.int(p.date);
      writeAdminRights(w, p.adminRights);
      if (p.rank !== undefined) w.string(p.rank);
  }
}
