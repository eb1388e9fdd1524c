import { Api } from 'telegram';
import { DATA_CENTER_ADDRESSES, DATA_CENTER_PORT } from '../../engine/clients/data-centers.js';
import { toLong } from '../tl-long.js';
import { requireReadable, resolveChannel } from './peers.js';
import { publicRoute, route, type Route } from './route.js';

function config(date: number, thisDc: number): Api.Config {
  const dcOptions = Object.entries(DATA_CENTER_ADDRESSES).map(
    ([id, ipAddress]) => new Api.DcOption({ id: Number(id), ipAddress, port: DATA_CENTER_PORT }),
  );
  return new Api.Config({
    date,
    expires: date + 3600,
    testMode: false,
    thisDc,
    dcOptions,
    dcTxtDomainName: 'sandbox.invalid',
    chatSizeMax: 200,
    megagroupSizeMax: 200_000,
    forwardedCountMax: 100,
    onlineUpdatePeriodMs: 210_000,
    offlineBlurTimeoutMs: 5000,
    offlineIdleTimeoutMs: 30_000,
    onlineCloudTimeoutMs: 300_000,
    notifyCloudDelayMs: 30_000,
    notifyDefaultDelayMs: 1500,
    pushChatPeriodMs: 60_000,
    pushChatLimit: 2,
    editTimeLimit: 172_800,
    revokeTimeLimit: 2_147_483_647,
    revokePmTimeLimit: 2_147_483_647,
    ratingEDecay: 2_419_200,
    stickersRecentLimit: 200,
    channelsReadMediaPeriod: 604_800,
    callReceiveTimeoutMs: 20_000,
    callRingTimeoutMs: 90_000,
    callConnectTimeoutMs: 30_000,
    callPacketTimeoutMs: 10_000,
    meUrlPrefix: 'https://t.me/',
    captionLengthMax: 1024,
    messageLengthMax: 4096,
    webfileDcId: thisDc,
  });
}

/** Config, pings and the update state: what every client asks for on its own. */
export function connectionRoutes(): Route[] {
  return [
    publicRoute(Api.help.GetConfig, (_req, ctx) => config(ctx.world.nowSeconds(), ctx.session.dcId)),
    publicRoute(Api.help.GetNearestDc, (_req, ctx) => new Api.NearestDc({ country: 'XX', thisDc: ctx.session.dcId, nearestDc: ctx.session.dcId })),
    publicRoute(Api.PingDelayDisconnect, (req) => new Api.Pong({ msgId: toLong(0), pingId: req.pingId })),
    publicRoute(Api.Ping, (req) => new Api.Pong({ msgId: toLong(0), pingId: req.pingId })),
    route(Api.updates.GetState, (_req, ctx) => new Api.updates.State({ pts: 1, qts: 0, date: ctx.world.nowSeconds(), seq: 0, unreadCount: 0 })),
    route(Api.updates.GetDifference, (_req, ctx) => new Api.updates.DifferenceEmpty({ date: ctx.world.nowSeconds(), seq: 0 })),
    route(Api.updates.GetChannelDifference, (req, ctx) => {
      const chat = resolveChannel(ctx, req.channel);
      requireReadable(ctx, chat);
      // Polling a channel's difference is how a client follows a chat it has open.
      ctx.session.watching.add(chat.id);
      return new Api.updates.ChannelDifferenceEmpty({ final: true, pts: chat.history.count, timeout: 30 });
    }),
  ];
}
