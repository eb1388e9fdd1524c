export { FORMAT_NAMES, toStringSession, type ImportedSession, type SessionFormat, type Sidecar } from './imported-session.js';
export { readDocument, readText, type ReadOptions, type SessionItem } from './read-sessions.js';
export { ZIP_LIMITS, type ZipLimits } from './safe-zip.js';
export { SessionReadError } from './session-read-error.js';
