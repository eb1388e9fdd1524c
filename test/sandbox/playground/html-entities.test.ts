import { describe, expect, it } from 'vitest';
import { parseHtml } from '../../../src/sandbox/playground/index.js';

describe('parseHtml', () => {
  it('does turn the tags of Telegram HTML into entities and references into text', () => {
    expect(parseHtml('<b>bold</b>, <i>it</i> &amp; <code>x &lt; y</code>')).toEqual({
      text: 'bold, it & x < y',
      entities: [
        { type: 'bold', offset: 0, length: 4 },
        { type: 'italic', offset: 6, length: 2 },
        { type: 'code', offset: 11, length: 5 },
      ],
    });
    expect(parseHtml('<a href="https://t.me/bigchat?a=1&amp;b=2">chat</a> <a href="tg://user?id=42">Ada</a>')).toEqual({
      text: 'chat Ada',
      entities: [
        { type: 'text_link', offset: 0, length: 4, url: 'https://t.me/bigchat?a=1&b=2' },
        { type: 'text_mention', offset: 5, length: 3, user: { id: 42, is_bot: false, first_name: 'Ada' } },
      ],
    });
  });

  it('does nest entities, outer first, and make one pre entity of pre with a language', () => {
    expect(parseHtml('<b>a <i>b</i></b><pre><code class="language-ts">let x;</code></pre>')).toEqual({
      text: 'a blet x;',
      entities: [
        { type: 'bold', offset: 0, length: 3 },
        { type: 'italic', offset: 2, length: 1 },
        { type: 'pre', offset: 3, length: 6, language: 'ts' },
      ],
    });
    expect(parseHtml('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler><blockquote expandable>q</blockquote>')?.entities).toEqual([
      { type: 'spoiler', offset: 0, length: 1 },
      { type: 'spoiler', offset: 1, length: 1 },
      { type: 'expandable_blockquote', offset: 2, length: 1 },
    ]);
    expect(parseHtml('&#128512; &#x41;')?.text).toBe('😀 A');
  });

  it('does refuse what Telegram cannot parse', () => {
    for (const bad of ['<script>alert(1)</script>', '<b>open', 'a < b', '<b><i>x</b></i>', 'AT&T', '<img src=x onerror=alert(1)>', '&nbsp;']) {
      expect(parseHtml(bad), bad).toBeUndefined();
    }
  });
});
