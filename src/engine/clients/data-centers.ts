/**
 * Telegram's production data centers and their IPv4 addresses, as clients hard-code them (Pyrogram's
 * `pyrogram/session/internals/data_center.py` `DataCenter.PROD`; GramJS's DEFAULT_IPV4_IP in
 * `telegram/client/telegramBaseClient.js` is DC 4's). Session formats that store only the DC number
 * (Pyrogram's) are completed from this table; the port is 443 for every DC.
 */
export const DATA_CENTER_ADDRESSES: Readonly<Record<number, string>> = {
  1: '149.154.175.53',
  2: '149.154.167.51',
  3: '149.154.175.100',
  4: '149.154.167.91',
  5: '91.108.56.130',
};

export const DATA_CENTER_PORT = 443;

/** The address of data center `dcId`; throws for a DC Telegram does not have. */
export function dataCenterAddress(dcId: number): { readonly ip: string; readonly port: number } {
  const ip = DATA_CENTER_ADDRESSES[dcId];
  if (ip === undefined) throw new RangeError(`Telegram has no data center ${dcId} (it has 1 to 5)`);
  return { ip, port: DATA_CENTER_PORT };
}
