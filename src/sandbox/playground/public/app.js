// The playground page: the admin's chat with the bot, as the Telegram app shows it. Plain DOM, no framework:
// messages arrive as Server-Sent Events (/api/events), actions go to the JSON API.
import { renderFormatted } from './format.js';
import { createSuggestions } from './suggestions.js';

const $ = (id) => document.getElementById(id);
const list = $('messages');
const form = $('composer');
const input = $('text');
const fileInput = $('file');
const toast = $('toast');
const connection = $('connection');

/** Rendered messages by id. */
const rendered = new Map();
let pendingFile;
let canScan = false;

const actions = { sendCommand: (command) => sendText(command) };

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function showToast(text) {
  toast.textContent = text;
  toast.hidden = false;
  clearTimeout(showToast.timer);
  showToast.timer = setTimeout(() => (toast.hidden = true), 4000);
}

/** A local line in the chat (a scan's result, an upload refused): not a message of Telegram's. */
function notice(text) {
  const line = element('div', 'notice', text);
  line.setAttribute('role', 'note');
  keepAtBottom(() => list.append(line));
}

function keepAtBottom(change) {
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  change();
  if (atBottom) list.scrollTop = list.scrollHeight;
}

const time = (seconds) => new Date(seconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

function sizeText(bytes) {
  if (bytes === undefined) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function renderKeyboard(message) {
  const keyboard = element('div', 'keyboard');
  for (const row of message.buttons) {
    const line = element('div', 'keyboard-row');
    for (const button of row) {
      if (button.kind === 'url') {
        const a = element('a', 'key', button.text);
        a.href = button.url.startsWith('http') ? button.url : '#';
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        line.append(a);
        continue;
      }
      const key = element('button', 'key', button.text);
      key.type = 'button';
      if (button.kind === 'callback') key.addEventListener('click', () => press(message.id, button.data, key));
      else key.disabled = true;
      line.append(key);
    }
    keyboard.append(line);
  }
  return keyboard;
}

function renderMessage(message) {
  const node = element('article', `message ${message.sender}`);
  node.dataset.messageId = String(message.id);
  node.setAttribute('aria-label', `${message.sender === 'bot' ? 'bot' : 'you'}, message ${message.id}`);
  if (message.service) {
    node.className = 'message service';
    node.textContent = message.service;
    return node;
  }
  const bubble = element('div', 'bubble');
  if (message.photo) {
    const img = element('img', 'photo');
    img.src = `/api/files/${encodeURIComponent(message.photo.fileId)}`;
    img.alt = message.caption?.text || 'picture from the bot';
    if (message.photo.width && message.photo.height) {
      img.width = message.photo.width;
      img.height = message.photo.height;
    }
    const open = element('a', 'photo-link');
    open.href = img.src;
    open.target = '_blank';
    open.rel = 'noopener';
    open.append(img);
    bubble.append(open);
  }
  if (message.document) {
    const doc = element('a', 'document');
    doc.href = `/api/files/${encodeURIComponent(message.document.fileId)}`;
    doc.download = message.document.fileName;
    const icon = element('img', 'document-icon');
    icon.src = '/file.svg';
    icon.alt = '';
    doc.append(icon);
    const about = element('span', 'document-about');
    about.append(element('span', 'document-name', message.document.fileName), element('span', 'document-size', sizeText(message.document.size)));
    doc.append(about);
    bubble.append(doc);
  }
  const formatted = message.text ?? message.caption;
  if (formatted) {
    const text = element('div', 'text');
    text.append(renderFormatted(formatted, actions));
    bubble.append(text);
  }
  const meta = element('span', 'meta', `${message.edited ? 'edited ' : ''}${time(message.date)}`);
  bubble.append(meta);
  node.append(bubble);
  if (message.buttons.length > 0) node.append(renderKeyboard(message));
  return node;
}

function upsert(message) {
  const node = renderMessage(message);
  const existing = rendered.get(message.id);
  keepAtBottom(() => {
    if (existing) existing.replaceWith(node);
    else list.append(node);
  });
  rendered.set(message.id, node);
}

function remove(message) {
  rendered.get(message.id)?.remove();
  rendered.delete(message.id);
}

async function post(path, body, headers = { 'content-type': 'application/json' }) {
  const response = await fetch(path, { method: 'POST', headers, body });
  const answer = await response.json().catch(() => ({ ok: false, error: `the playground answered ${response.status}` }));
  if (!answer.ok) throw new Error(answer.error);
  return answer;
}

async function press(messageId, data, key) {
  key.classList.add('pressed');
  try {
    const { answer } = await post('/api/press', JSON.stringify({ messageId, data }));
    if (answer) showToast(answer);
  } catch (error) {
    showToast(error.message);
  } finally {
    key.classList.remove('pressed');
  }
}

async function sendText(text) {
  const scan = /^!scan\s+(\S+)$/.exec(text.trim());
  if (scan) {
    if (!canScan) return notice('!scan works in sandbox mode only');
    const answer = await post('/api/scan', JSON.stringify({ phone: scan[1] }));
    return notice(`📷 ${answer.text}`);
  }
  await post('/api/messages', JSON.stringify({ text }));
}

async function sendFile(file, caption) {
  const headers = { 'content-type': 'application/octet-stream', 'x-file-name': encodeURIComponent(file.name) };
  if (caption) headers['x-caption'] = encodeURIComponent(caption);
  await post('/api/documents', file, headers);
}

function setAttachment(file) {
  pendingFile = file;
  $('attachment').hidden = !file;
  $('attachment-name').textContent = file ? `${file.name} · ${sizeText(file.size)} — add a caption (e.g. /bulk) and send` : '';
  if (!file) fileInput.value = '';
  input.focus();
}

const suggestions = createSuggestions({ input, list: $('suggestions'), onPick: () => input.focus() });

async function submit() {
  const text = input.value;
  if (!pendingFile && text.trim() === '') return;
  const file = pendingFile;
  input.value = '';
  resize();
  suggestions.close();
  try {
    if (file) {
      setAttachment(undefined);
      await sendFile(file, text.trim());
    } else await sendText(text);
  } catch (error) {
    notice(`Not sent: ${error.message}`);
  }
}

function resize() {
  input.style.height = 'auto';
  input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void submit();
});
input.addEventListener('keydown', (event) => {
  if (suggestions.handleKey(event)) return;
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    void submit();
  } else if (event.key === 'Escape' && pendingFile) setAttachment(undefined);
});
input.addEventListener('input', () => {
  resize();
  suggestions.update();
});
$('attach').addEventListener('click', () => fileInput.click());
fileInput.addEventListener('change', () => setAttachment(fileInput.files?.[0]));
$('attachment-remove').addEventListener('click', () => setAttachment(undefined));
list.addEventListener('dragover', (event) => event.preventDefault());
list.addEventListener('drop', (event) => {
  event.preventDefault();
  const file = event.dataTransfer?.files?.[0];
  if (file) setAttachment(file);
});

function connect() {
  const events = new EventSource('/api/events');
  events.addEventListener('history', (event) => {
    const state = JSON.parse(event.data);
    $('bot-name').textContent = state.bot.name;
    document.title = `${state.bot.name} — Switchboard playground`;
    canScan = state.scan;
    suggestions.setCommands(state.commands);
    list.replaceChildren();
    rendered.clear();
    for (const message of state.messages) upsert(message);
    list.scrollTop = list.scrollHeight;
    connection.textContent = `bot · you are ${state.user.name} (id ${state.user.id})`;
    document.body.dataset.ready = 'true';
  });
  events.addEventListener('message', (event) => {
    const { kind, message } = JSON.parse(event.data);
    if (kind === 'deleted') remove(message);
    else upsert(message);
  });
  events.addEventListener('error', () => {
    connection.textContent = 'reconnecting…';
    delete document.body.dataset.ready;
  });
}

connect();
input.focus();
