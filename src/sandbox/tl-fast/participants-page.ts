import type { MemberPage } from '../member-list.js';
import type { SandboxAccount, ChatState, SandboxWorld } from '../world.js';
import { entryUserFieldsOf, participantFieldsOf } from './member-fields.js';
import { writeChannelParticipant } from './participant-writer.js';
import { FAST_SCHEMA_MATCHES, ID } from './schema.js';
import { TlWriter } from './tl-writer.js';
import { writeUser } from './user-writer.js';

/** About what one entry takes (a participant and a user with names and username), to size the buffer once. */
const BYTES_PER_ENTRY = 112;

/**
 * The TL bytes of the `channels.channelParticipants` answer listing `page` to `viewer`
 * (https://core.telegram.org/constructor/channels.channelParticipants), byte for byte what GramJS's
 * `getBytes()` writes for the objects tl-objects.ts builds. Undefined when the fast writers do not cover
 * the page (an entry kind they do not know, or a GramJS schema they were not written for): the caller
 * then serialises through GramJS.
 */
export function participantsPageBytes(world: SandboxWorld, viewer: SandboxAccount, chat: ChatState, page: MemberPage): Buffer | undefined {
  if (!FAST_SCHEMA_MATCHES) return undefined;
  const { entries } = page;
  const w = new TlWriter(64 + entries.length * BYTES_PER_ENTRY);
  w.uint(ID.channelsChannelParticipants);
  w.int(page.count);
  w.vector(entries.length);
  const participantOf = participantFieldsOf(world, viewer, chat);
  for (const entry of entries) {
    const participant = participantOf(entry);
    if (participant === undefined) return undefined;
    writeChannelParticipant(w, participant);
  }
  // chats: a listing of users mentions none.
  w.vector(0);
  w.vector(entries.length);
  const userOf = entryUserFieldsOf(world, viewer);
  for (const entry of entries) {
    const user = userOf(entry);
    if (user === undefined) return undefined;
    writeUser(w, user);
  }
  return w.finish();
}
