import { describe, expect, it } from 'vitest';
import { chatName, memberStatsText } from '../../../src/bot/views/member-stats.js';
import { STATS } from '../member-stats-fixture.js';


describe('memberStatsText', () => {
  it('tells every count with its share of the stored members', () => {
    expect(memberStatsText('Capped chat (@cappedchat)', STATS)).toBe(
      [
        '📊 Capped chat (@cappedchat): 700 stored members',
        '',
        'Last seen:',
        'Online: 116 (16%)',
        'Offline: 117 (16%)',
        'Recently: 117 (16%)',
        'Last week: 117 (16%)',
        'Last month: 117 (16%)',
        'Long ago: 116 (16%)',
        'Unknown: 0',
        '',
        'With a username: 630 (90%)',
        'With a phone: 53 (7%)',
        'Premium: 100 (14%)',
        'Bots: 14 (2%)',
        'Admins: 1 (<1%)',
        'Scam or fake: 0',
        '',
        'How they were found:',
        'Member list: 300 (42%)',
        'Search past the cap: 400 (57%)',
        'Message authors: 0',
      ].join('\n'),
    );
  });

  it('names a chat by title and username, else by its id', () => {
    expect(chatName({ id: 1001, title: 'Big chat', username: 'bigchat' })).toBe('Big chat (@bigchat)');
    expect(chatName({ id: 1001, title: null, username: null })).toBe('chat 1001');
  });
});
