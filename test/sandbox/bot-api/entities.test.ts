import { describe, expect, it } from 'vitest';
import { botCommandEntities } from '../../../src/sandbox/bot-api/entities.js';

describe('botCommandEntities', () => {
  it('does mark commands at the start, after whitespace and with a bot username', () => {
    expect(botCommandEntities('/scrape @bigchat --limit 10')).toEqual([{ type: 'bot_command', offset: 0, length: 7 }]);
    expect(botCommandEntities('/start@switchboard_bot')).toEqual([{ type: 'bot_command', offset: 0, length: 22 }]);
    expect(botCommandEntities('see /help\nand /status')).toEqual([
      { type: 'bot_command', offset: 4, length: 5 },
      { type: 'bot_command', offset: 14, length: 7 },
    ]);
  });

  it('does not mark slashes inside words, paths or links', () => {
    expect(botCommandEntities('a/b https://t.me/name and/or')).toEqual([]);
    expect(botCommandEntities('plain text')).toEqual([]);
  });

  it('does count offsets in UTF-16 code units', () => {
    expect(botCommandEntities('🙂 /go')).toEqual([{ type: 'bot_command', offset: 3, length: 3 }]);
  });
});
