import { Api } from 'telegram';
import type { MemberPage } from '../member-list.js';
import { channelParticipant, entryApiUser } from '../tl-objects.js';
import type { SandboxAccount, ChatState, SandboxWorld } from '../world.js';
import { participantsPageBytes } from './participants-page.js';

interface Lists {
  participants: Api.TypeChannelParticipant[];
  users: Api.TypeUser[];
}

function gramJsBytes(answer: Api.channels.ChannelParticipants): Buffer {
  const { count, participants, chats, users } = answer;
  return new Api.channels.ChannelParticipants({ count, participants, chats, users }).getBytes();
}

/**
 * The `channels.ChannelParticipants` answer listing `page` to `viewer`, as the GetParticipants route
 * returns it. Its `getBytes()` gives the bytes the fast writers wrote when the page was listed. Building
 * the GramJS objects costs more than writing the bytes, so `participants` and `users` are only built
 * when read; from then on they are the truth and `getBytes()` serialises them through GramJS, so an
 * answer that was looked at or changed never disagrees with its bytes. Pages the fast writers do not
 * cover come back as plain GramJS objects.
 */
export function participantsAnswer(world: SandboxWorld, viewer: SandboxAccount, chat: ChatState, page: MemberPage): Api.channels.ChannelParticipants {
  const build = (): Lists => ({
    participants: page.entries.map((e) => channelParticipant(world, viewer, chat, e)),
    users: page.entries.map((e) => entryApiUser(world, viewer, e)),
  });
  const bytes = participantsPageBytes(world, viewer, chat, page);
  if (bytes === undefined) return new Api.channels.ChannelParticipants({ count: page.count, chats: [], ...build() });

  const chats: Api.TypeChat[] = [];
  const answer = new Api.channels.ChannelParticipants({ count: page.count, participants: [], chats, users: [] });
  let lists: Lists | undefined;
  const materialise = (): Lists => (lists ??= build());
  Object.defineProperties(answer, {
    participants: {
      get: () => materialise().participants,
      set: (value: Api.TypeChannelParticipant[]) => void (materialise().participants = value),
      enumerable: true,
      configurable: true,
    },
    users: {
      get: () => materialise().users,
      set: (value: Api.TypeUser[]) => void (materialise().users = value),
      enumerable: true,
      configurable: true,
    },
    // What GramJS's toJSON() shows: the lists as they are, not the empty ones the answer was created with.
    originalArgs: {
      get: () => ({ count: answer.count, participants: answer.participants, chats: answer.chats, users: answer.users }),
      configurable: true,
    },
  });
  answer.getBytes = () => (lists === undefined && answer.count === page.count && answer.chats === chats && chats.length === 0 ? bytes : gramJsBytes(answer));
  return answer;
}
