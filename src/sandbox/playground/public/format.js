// Renders a text with its Telegram entities (https://core.telegram.org/bots/api#messageentity) as DOM nodes.
// Text only ever becomes Text nodes (never HTML), so whatever a message holds shows as written.

/** Only web links open; anything else (javascript:, data:…) stays plain text. */
export function safeUrl(raw) {
  const candidate = /^[a-z][a-z0-9+.-]*:/i.test(raw) ? raw : `https://${raw}`;
  try {
    const url = new URL(candidate);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function link(href, title) {
  const a = document.createElement('a');
  a.href = href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  if (title) a.title = title;
  return a;
}

/** The element an entity wraps its text in; undefined for the ones shown as plain text. */
function elementFor(entity, text, actions) {
  switch (entity.type) {
    case 'bold':
      return document.createElement('strong');
    case 'italic':
      return document.createElement('em');
    case 'underline':
      return document.createElement('u');
    case 'strikethrough':
      return document.createElement('s');
    case 'code':
      return document.createElement('code');
    case 'pre': {
      const pre = document.createElement('pre');
      if (entity.language) pre.dataset.language = entity.language;
      return pre;
    }
    case 'blockquote':
    case 'expandable_blockquote':
      return document.createElement('blockquote');
    case 'spoiler': {
      const span = document.createElement('span');
      span.className = 'spoiler';
      span.tabIndex = 0;
      span.setAttribute('role', 'button');
      span.setAttribute('aria-label', 'spoiler: press to show');
      const reveal = () => span.classList.add('revealed');
      span.addEventListener('click', reveal);
      span.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') reveal();
      });
      return span;
    }
    case 'text_link': {
      const href = safeUrl(entity.url ?? '');
      return href ? link(href, href) : undefined;
    }
    case 'url': {
      const href = safeUrl(text.slice(entity.offset, entity.offset + entity.length));
      return href ? link(href) : undefined;
    }
    case 'bot_command': {
      // As in Telegram, pressing a command in a message sends it.
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'command-link';
      const command = text.slice(entity.offset, entity.offset + entity.length);
      button.addEventListener('click', () => actions.sendCommand(command));
      return button;
    }
    case 'mention':
    case 'hashtag':
    case 'cashtag':
    case 'text_mention': {
      const span = document.createElement('span');
      span.className = 'mention';
      return span;
    }
    default:
      return undefined;
  }
}

/**
 * Appends `text` from `start` to `end` to `parent`, wrapping the entities that begin in it. Entities come
 * sorted by offset, an outer one before those inside it; one that crosses its parent's end is cut there.
 */
function build(parent, text, entities, start, end, actions) {
  let at = start;
  let i = 0;
  while (i < entities.length) {
    const entity = entities[i];
    const from = Math.max(entity.offset, at);
    const to = Math.min(entity.offset + entity.length, end);
    if (from >= end) break;
    if (to <= from) {
      i += 1;
      continue;
    }
    if (from > at) parent.append(document.createTextNode(text.slice(at, from)));
    let j = i + 1;
    while (j < entities.length && entities[j].offset < to) j += 1;
    const inner = entities.slice(i + 1, j);
    const element = elementFor(entity, text, actions);
    const target = element ?? document.createDocumentFragment();
    build(target, text, inner, from, to, actions);
    parent.append(target);
    at = to;
    i = j;
  }
  if (at < end) parent.append(document.createTextNode(text.slice(at, end)));
}

/** A fragment showing `formatted` ({ text, entities }). `actions.sendCommand` runs when a /command is pressed. */
export function renderFormatted(formatted, actions) {
  const fragment = document.createDocumentFragment();
  const entities = [...(formatted.entities ?? [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  build(fragment, formatted.text, entities, 0, formatted.text.length, actions);
  return fragment;
}
