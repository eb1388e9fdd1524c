import type { TelegramClient } from 'telegram';

interface MapCache {
  cacheMap: Map<string, unknown>;
  add(entities: unknown): void;
}
interface EntitySession {
  _entities?: Set<unknown>;
  processEntities(tlo: unknown): void;
}

/**
 * GramJS remembers every user and chat any result mentions, in its entity cache and in the session,
 * without bound: a 200,000-member scrape would keep 200,000 users in memory twice. Operations resolve
 * what they need themselves, so both caches are emptied whenever they pass `limit` entries.
 */
export function boundEntityCaches(client: TelegramClient, limit = 10_000): void {
  const cache = client._entityCache as unknown as MapCache;
  const add = cache.add.bind(cache);
  cache.add = (entities) => {
    if (cache.cacheMap.size > limit) cache.cacheMap.clear();
    add(entities);
  };
  const session = client.session as unknown as EntitySession;
  const processEntities = session.processEntities.bind(session);
  session.processEntities = (tlo) => {
    if (session._entities && session._entities.size > limit) session._entities.clear();
    processEntities(tlo);
  };
}
