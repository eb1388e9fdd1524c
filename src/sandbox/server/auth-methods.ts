import { randomBytes } from 'node:crypto';
import { Api } from 'telegram';
import { SandboxRpcError } from '../rpc-error.js';
import { createSrpChallenge, createSrpVerifier, passwordInfo, verifySrp, type SrpVerifier } from '../srp.js';
import { fromLong } from '../tl-long.js';
import { accountApiUser } from '../tl-objects.js';
import { phoneDigits } from '../world-file.js';
import type { SandboxAccount } from '../world.js';
import type { HandlerContext } from './context.js';
import { publicRoute, route, type Route } from './route.js';

/** Ends a login on the connection: it takes the account's auth key, and Telegram answers who logged in. */
export async function authorize(ctx: HandlerContext, account: SandboxAccount): Promise<Api.auth.Authorization> {
  ctx.session.login = undefined;
  await ctx.session.onAuthorized(account);
  return new Api.auth.Authorization({ user: accountApiUser(account, account) });
}

/** Login with code and 2FA password (the password is checked with real SRP), and log out. */
export function authRoutes(): Route[] {
  // Deriving a verifier costs 100,000 PBKDF2 rounds: once per account.
  const verifiers = new Map<SandboxAccount, Promise<SrpVerifier>>();
  const verifierOf = (account: SandboxAccount, password: string): Promise<SrpVerifier> => {
    let v = verifiers.get(account);
    if (!v) {
      v = createSrpVerifier(password, phoneDigits(account.phone));
      verifiers.set(account, v);
    }
    return v;
  };

  /** The account whose password account.GetPassword / auth.CheckPassword are about. */
  const passwordAccount = (ctx: HandlerContext): SandboxAccount => {
    const login = ctx.session.login;
    if (login?.codeAccepted) return login.account;
    if (ctx.account) return ctx.account;
    throw new SandboxRpcError('AUTH_KEY_UNREGISTERED');
  };

  return [
    publicRoute(Api.auth.SendCode, (req, ctx) => {
      const account = ctx.world.account(req.phoneNumber);
      if (!account) throw new SandboxRpcError('PHONE_NUMBER_INVALID');
      const phoneCodeHash = randomBytes(9).toString('hex');
      ctx.session.login = { account, phoneCodeHash, codeAccepted: false };
      return new Api.auth.SentCode({
        type: new Api.auth.SentCodeTypeApp({ length: account.def.code.length }),
        phoneCodeHash,
        timeout: 60,
      });
    }),

    publicRoute(Api.auth.SignIn, async (req, ctx) => {
      const login = ctx.session.login;
      if (!login || phoneDigits(req.phoneNumber) !== phoneDigits(login.account.phone)) {
        throw new SandboxRpcError('PHONE_NUMBER_UNOCCUPIED');
      }
      if (!req.phoneCodeHash) throw new SandboxRpcError('PHONE_CODE_HASH_EMPTY');
      if (req.phoneCodeHash !== login.phoneCodeHash) throw new SandboxRpcError('PHONE_CODE_EXPIRED');
      if (!req.phoneCode) throw new SandboxRpcError('PHONE_CODE_EMPTY');
      if (req.phoneCode !== login.account.def.code) throw new SandboxRpcError('PHONE_CODE_INVALID');
      if (login.account.def.password !== undefined) {
        login.codeAccepted = true;
        throw new SandboxRpcError('SESSION_PASSWORD_NEEDED');
      }
      return authorize(ctx, login.account);
    }),

    publicRoute(Api.account.GetPassword, async (_req, ctx) => {
      const account = passwordAccount(ctx);
      const password = account.def.password;
      if (password === undefined) {
        ctx.session.srp = undefined;
        return new Api.account.Password({
          hasPassword: false,
          newAlgo: new Api.PasswordKdfAlgoUnknown(),
          newSecureAlgo: new Api.SecurePasswordKdfAlgoUnknown(),
          secureRandom: randomBytes(32),
        });
      }
      const verifier = await verifierOf(account, password);
      const challenge = createSrpChallenge(verifier);
      ctx.session.srp = { account, challenge };
      return passwordInfo(verifier, challenge);
    }),

    publicRoute(Api.auth.CheckPassword, async (req, ctx) => {
      const login = ctx.session.login;
      if (!login?.codeAccepted) throw new SandboxRpcError('AUTH_KEY_UNREGISTERED');
      const account = login.account;
      const srp = ctx.session.srp;
      const input = req.password;
      if (!(input instanceof Api.InputCheckPasswordSRP) || account.def.password === undefined) {
        throw new SandboxRpcError('PASSWORD_HASH_INVALID');
      }
      if (!srp || srp.account !== account || fromLong(input.srpId) !== srp.challenge.srpId) {
        throw new SandboxRpcError('SRP_ID_INVALID');
      }
      // A challenge answers one check only, as on Telegram.
      ctx.session.srp = undefined;
      const verifier = await verifierOf(account, account.def.password);
      if (!verifySrp(verifier, srp.challenge, Buffer.from(input.A), Buffer.from(input.M1))) {
        throw new SandboxRpcError('PASSWORD_HASH_INVALID');
      }
      return authorize(ctx, account);
    }),

    route(Api.auth.LogOut, (_req, ctx) => {
      ctx.world.logOut(ctx.account);
      return new Api.auth.LoggedOut({});
    }),
  ];
}
