import type { Document, PhotoSize } from '@grammyjs/types';
import type { StoredFile } from './file-store.js';
import { imageSize } from './image-size.js';

/** The Bot API `Document` of a stored file. */
export function documentOf(file: StoredFile): Document {
  return {
    file_id: file.fileId,
    file_unique_id: file.fileUniqueId,
    file_name: file.fileName,
    mime_type: file.mimeType,
    file_size: file.size,
  };
}

/** The Bot API photo sizes of a stored image: one, the original (Telegram adds scaled copies). */
export function photoSizesOf(file: StoredFile): PhotoSize[] {
  const size = imageSize(file.bytes) ?? { width: 0, height: 0 };
  return [{ file_id: file.fileId, file_unique_id: file.fileUniqueId, width: size.width, height: size.height, file_size: file.size }];
}
