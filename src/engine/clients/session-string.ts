import { AuthKey } from 'telegram/crypto/AuthKey.js';
import { StringSession } from 'telegram/sessions/index.js';
import { dataCenterAddress } from './data-centers.js';

/** A GramJS StringSession string for an auth key on data center `dcId` (at that DC's address). */
export async function sessionString(dcId: number, authKey: Buffer): Promise<string> {
  const { ip, port } = dataCenterAddress(dcId);
  const session = new StringSession('');
  session.setDC(dcId, ip, port);
  const key = new AuthKey();
  await key.setKey(authKey);
  session.setAuthKey(key);
  return session.save();
}
