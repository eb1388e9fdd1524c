import type { AuthedContext, HandlerContext } from './context.js';

/** A GramJS request class, e.g. `Api.channels.GetParticipants`. */
export interface RequestClass<T> {
  new (...args: never[]): T;
  readonly className: string;
}

/** What a request resolves to, from GramJS's typings. */
export type ResultOf<T> = T extends { __response: infer R } ? R : never;

type Awaitable<T> = T | Promise<T>;

/** How the server answers one method. */
export interface Route {
  /** TL name, e.g. `channels.GetParticipants`. */
  readonly method: string;
  /** Whether the method works without being logged in. */
  readonly public: boolean;
  run(request: unknown, ctx: HandlerContext): Awaitable<unknown>;
}

function bind<T>(cls: RequestClass<T>, isPublic: boolean, run: (request: T, ctx: never) => unknown): Route {
  return {
    method: cls.className,
    public: isPublic,
    run(request, ctx) {
      if (!(request instanceof cls)) throw new TypeError(`expected ${cls.className}`);
      return (run as (request: T, ctx: HandlerContext) => unknown)(request, ctx);
    },
  };
}

/** A method that needs a logged-in account (AUTH_KEY_UNREGISTERED otherwise). */
export function route<T>(cls: RequestClass<T>, run: (request: T, ctx: AuthedContext) => Awaitable<ResultOf<T>>): Route {
  return bind(cls, false, run);
}

/** A method that also works logged out (login, config, pings). */
export function publicRoute<T>(cls: RequestClass<T>, run: (request: T, ctx: HandlerContext) => Awaitable<ResultOf<T>>): Route {
  return bind(cls, true, run);
}
