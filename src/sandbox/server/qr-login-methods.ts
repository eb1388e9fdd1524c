import { Api } from 'telegram';
import { toLong } from '../tl-long.js';
import { SandboxRpcError } from '../rpc-error.js';
import type { SandboxAccount } from '../world.js';
import { authorize } from './auth-methods.js';
import type { HandlerContext } from './context.js';
import { publicRoute, route, type Route } from './route.js';

/**
 * What a connection gets for a token a device accepted (core.telegram.org/api/qr-login): the account on
 * another DC → auth.loginTokenMigrateTo (the client moves there and imports the token); with 2FA →
 * SESSION_PASSWORD_NEEDED (then account.getPassword and auth.checkPassword, as after auth.signIn);
 * else auth.loginTokenSuccess.
 */
async function acceptedLogin(ctx: HandlerContext, account: SandboxAccount): Promise<Api.auth.TypeLoginToken> {
  if (account.def.password !== undefined) {
    ctx.session.login = { account, phoneCodeHash: '', codeAccepted: true };
    throw new SandboxRpcError('SESSION_PASSWORD_NEEDED');
  }
  return new Api.auth.LoginTokenSuccess({ authorization: await authorize(ctx, account) });
}

/** QR code login: export, accept (by a logged-in device of the account) and import on the account's DC. */
export function qrLoginRoutes(): Route[] {
  const keyOf = (ctx: HandlerContext) => ctx.session.authKey.toString('hex');
  return [
    publicRoute(Api.auth.ExportLoginToken, async (_req, ctx) => {
      const key = keyOf(ctx);
      const last = ctx.world.loginTokens.ofKey(key);
      if (last?.acceptedBy !== undefined) {
        // Another export after updateLoginToken: the login goes on there, or on the account's own DC.
        if (last.acceptedBy.dc !== ctx.session.dcId) return new Api.auth.LoginTokenMigrateTo({ dcId: last.acceptedBy.dc, token: last.token });
        ctx.world.loginTokens.forget(key);
        return acceptedLogin(ctx, last.acceptedBy);
      }
      const entry = ctx.world.loginTokens.export(key);
      return new Api.auth.LoginToken({ expires: Math.floor(entry.expiresAt / 1000), token: entry.token });
    }),

    publicRoute(Api.auth.ImportLoginToken, async (req, ctx) => {
      const entry = ctx.world.loginTokens.find(Buffer.from(req.token));
      if (!entry) throw new SandboxRpcError('AUTH_TOKEN_INVALID');
      const account = entry.acceptedBy;
      if (account === undefined) throw new SandboxRpcError(ctx.world.now() >= entry.expiresAt ? 'AUTH_TOKEN_EXPIRED' : 'AUTH_TOKEN_INVALID');
      if (account.dc !== ctx.session.dcId) throw new SandboxRpcError('AUTH_TOKEN_INVALID');
      ctx.world.loginTokens.forget(entry.authKey);
      return acceptedLogin(ctx, account);
    }),

    route(Api.auth.AcceptLoginToken, (req, ctx) => {
      const accepted = ctx.world.acceptLoginToken(ctx.account.phone, Buffer.from(req.token));
      if (!accepted.ok) throw new SandboxRpcError(accepted.error);
      const now = ctx.world.nowSeconds();
      // The new session, as the accepting device lists it under Settings → Devices.
      return new Api.Authorization({
        hash: toLong(0),
        deviceModel: 'Desktop',
        platform: 'Desktop',
        systemVersion: 'Unknown',
        apiId: 0,
        appName: 'Switchboard',
        appVersion: '1.0',
        dateCreated: now,
        dateActive: now,
        ip: '127.0.0.1',
        country: 'XX',
        region: '',
      });
    }),
  ];
}
