export { createPlayground, unavailableLine, PLAYGROUND_HOST, type Playground, type PlaygroundOptions, type PlaygroundStart } from './playground-server.js';
export type { PlaygroundChat } from './playground-api.js';
export { messageView, type MessageView, type ButtonView, type FileView } from './message-view.js';
export { parseHtml, type FormattedText } from './html-entities.js';
