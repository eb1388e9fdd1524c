// The bot's command menu (setMyCommands) as suggestions while a /command is typed, as Telegram's apps do.
// Arrow keys move, Tab or Enter takes one, Escape closes.

export function createSuggestions({ input, list, onPick }) {
  let commands = [];
  let shown = [];
  let active = -1;

  /** Fetches the menu again (the bot may set it after the page loaded); true when it changed. */
  const refresh = async () => {
    try {
      const answer = await (await fetch('/api/commands')).json();
      if (!answer.ok || JSON.stringify(answer.commands) === JSON.stringify(commands)) return false;
      commands = answer.commands;
      return true;
    } catch {
      // The list from the last history stays.
      return false;
    }
  };

  const close = () => {
    list.hidden = true;
    shown = [];
    active = -1;
    input.removeAttribute('aria-activedescendant');
    input.setAttribute('aria-expanded', 'false');
  };

  const highlight = (index) => {
    active = index;
    [...list.children].forEach((item, i) => item.setAttribute('aria-selected', String(i === index)));
    if (index >= 0) {
      input.setAttribute('aria-activedescendant', `suggestion-${index}`);
      list.children[index]?.scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  };

  const pick = (index) => {
    const command = shown[index];
    if (!command) return;
    input.value = `/${command.command} `;
    close();
    onPick();
  };

  const update = () => {
    const match = /^\/([a-z0-9_]*)$/i.exec(input.value);
    if (!match) return close();
    // A command starts: make sure the menu is the bot's latest.
    if (input.value === '/') void refresh().then((changed) => changed && update());
    const typed = match[1].toLowerCase();
    shown = commands.filter((c) => c.command.startsWith(typed));
    if (shown.length === 0 || (shown.length === 1 && shown[0].command === typed)) return close();
    list.replaceChildren(
      ...shown.map((command, i) => {
        const item = document.createElement('li');
        item.id = `suggestion-${i}`;
        item.setAttribute('role', 'option');
        const name = document.createElement('span');
        name.className = 'suggestion-command';
        name.textContent = `/${command.command}`;
        const about = document.createElement('span');
        about.className = 'suggestion-description';
        about.textContent = command.description;
        item.append(name, about);
        // mousedown, so the input keeps its focus.
        item.addEventListener('mousedown', (event) => {
          event.preventDefault();
          pick(i);
        });
        return item;
      }),
    );
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    highlight(0);
  };

  input.addEventListener('focus', () => void refresh());
  input.addEventListener('blur', () => close());

  return {
    setCommands(list) {
      commands = list;
    },
    update,
    close,
    /** Handles a key of the input while the list is open; true when it used it. */
    handleKey(event) {
      if (list.hidden || shown.length === 0) return false;
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        highlight((active + step + shown.length) % shown.length);
        return true;
      }
      if (event.key === 'Tab' || (event.key === 'Enter' && !event.shiftKey)) {
        event.preventDefault();
        pick(active < 0 ? 0 : active);
        return true;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        close();
        return true;
      }
      return false;
    },
  };
}
