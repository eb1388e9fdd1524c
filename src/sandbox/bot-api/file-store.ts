import { randomBytes } from 'node:crypto';

/** A file the server holds: uploaded by the bot (sendDocument, sendPhoto) or sent by a user. */
export interface StoredFile {
  /** Opaque id the Bot API hands out; reusable in sendDocument/sendPhoto and getFile. */
  readonly fileId: string;
  readonly fileUniqueId: string;
  /** Path under `{root}/file/bot<TOKEN>/`. */
  readonly filePath: string;
  readonly kind: 'document' | 'photo';
  readonly fileName: string | undefined;
  readonly mimeType: string | undefined;
  readonly size: number;
  readonly bytes: Buffer;
  readonly uploadedBy: 'bot' | 'user';
}

export interface NewFile {
  readonly kind: 'document' | 'photo';
  readonly fileName?: string | undefined;
  readonly mimeType?: string | undefined;
  readonly bytes: Uint8Array;
  readonly uploadedBy: 'bot' | 'user';
}

/** Read access to stored files, for tests and the terminal chat. */
export interface FileAccess {
  get(fileId: string): StoredFile | undefined;
  /** Every stored file, oldest first. */
  list(): StoredFile[];
}

export interface FileStore extends FileAccess {
  add(file: NewFile): StoredFile;
  byPath(filePath: string): StoredFile | undefined;
}

export function createFileStore(): FileStore {
  const byId = new Map<string, StoredFile>();
  const byPath = new Map<string, StoredFile>();
  let counter = 0;

  return {
    add(file) {
      counter += 1;
      const extension = file.kind === 'photo' ? 'jpg' : extensionOf(file.fileName);
      const folder = file.kind === 'photo' ? 'photos' : 'documents';
      const stored: StoredFile = {
        // Real file ids are long opaque base64url strings; a counter inside keeps them unique.
        fileId: `${file.kind === 'photo' ? 'AgAC' : 'BQAC'}${counter}${randomBytes(18).toString('base64url')}`,
        fileUniqueId: `AQAD${counter}${randomBytes(3).toString('base64url')}`,
        filePath: `${folder}/file_${counter}${extension === '' ? '' : `.${extension}`}`,
        kind: file.kind,
        fileName: file.fileName,
        mimeType: file.mimeType,
        size: file.bytes.byteLength,
        bytes: Buffer.from(file.bytes),
        uploadedBy: file.uploadedBy,
      };
      byId.set(stored.fileId, stored);
      byPath.set(stored.filePath, stored);
      return stored;
    },
    get: (fileId) => byId.get(fileId),
    byPath: (filePath) => byPath.get(filePath),
    list: () => [...byId.values()],
  };
}

function extensionOf(fileName: string | undefined): string {
  if (fileName === undefined || !fileName.includes('.')) return '';
  const extension = fileName.slice(fileName.lastIndexOf('.') + 1).toLowerCase();
  return /^[a-z0-9]{1,8}$/.test(extension) ? extension : '';
}
