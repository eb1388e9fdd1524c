import { describe, expect, it } from 'vitest';
import type { BotChatMessage } from '../../../src/sandbox/bot-api/index.js';
import { messageView } from '../../../src/sandbox/playground/index.js';

const base: BotChatMessage = {
  chatId: 1,
  messageId: 5,
  sender: 'bot',
  from: undefined,
  date: 1_800_000_000,
  editDate: undefined,
  text: undefined,
  entities: undefined,
  caption: undefined,
  captionEntities: undefined,
  parseMode: undefined,
  replyMarkup: undefined,
  document: undefined,
  photo: undefined,
  replyToMessageId: undefined,
  service: undefined,
  editCount: 0,
};

describe('messageView', () => {
  it('does keep a text without parse mode as written, markup included, and find links, mentions and commands', () => {
    const view = messageView({ ...base, text: '<b>Hi</b> @bigchat: /status or https://t.me/x.' });
    expect(view.text).toEqual({
      text: '<b>Hi</b> @bigchat: /status or https://t.me/x.',
      entities: [
        { type: 'mention', offset: 10, length: 8 },
        { type: 'bot_command', offset: 20, length: 7 },
        { type: 'url', offset: 31, length: 14 },
      ],
    });
  });

  it('does apply parse mode HTML, and shows HTML Telegram would refuse as text', () => {
    expect(messageView({ ...base, text: '<b>Hi</b> <code>/status</code>', parseMode: 'HTML' }).text).toEqual({
      text: 'Hi /status',
      entities: [
        { type: 'bold', offset: 0, length: 2 },
        { type: 'code', offset: 3, length: 7 },
      ],
    });
    expect(messageView({ ...base, text: '<script>x</script>', parseMode: 'HTML' }).text).toEqual({ text: '<script>x</script>', entities: [] });
  });

  it('does describe files and buttons', () => {
    const view = messageView({
      ...base,
      caption: 'chart',
      photo: [{ file_id: 'AgAC1', file_unique_id: 'u', width: 800, height: 400, file_size: 1234 }],
      replyMarkup: { inline_keyboard: [[{ text: 'Export', callback_data: 'x:1' }, { text: 'Pay', pay: true }]] },
      editCount: 2,
    });
    expect(view).toMatchObject({
      edited: true,
      caption: { text: 'chart', entities: [] },
      photo: { fileId: 'AgAC1', width: 800, height: 400, size: 1234 },
      buttons: [[{ kind: 'callback', text: 'Export', data: 'x:1' }, { kind: 'other', text: 'Pay' }]],
    });
  });
});
