import type { MethodHandler } from './method-context.js';
import { readChatId } from './common-params.js';

/** getChat: the sandbox has private chats only, so this is the user behind one (ChatFullInfo's private shape). */
export const getChat: MethodHandler = (context) => {
  const chatId = readChatId(context);
  const user = context.chats.user(chatId);
  return {
    id: chatId,
    type: 'private',
    first_name: user?.first_name,
    ...(user?.last_name ? { last_name: user.last_name } : {}),
    ...(user?.username ? { username: user.username } : {}),
    accent_color_id: 0,
    max_reaction_count: 11,
    accepted_gift_types: { unlimited_gifts: false, limited_gifts: false, unique_gifts: false, premium_subscription: false },
  };
};
