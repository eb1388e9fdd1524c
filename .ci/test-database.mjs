// The PostgreSQL database of one CI run (README, Scripts): `create` makes a fresh one and prints its URL, `drop NAME`
// drops it and every database the tests made from it (their names start with NAME). Plain Node with pg: psql may be
// missing on a CI machine.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const server = process.env.CI_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function shown(url) {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

async function connected() {
  const client = new pg.Client({ connectionString: server, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    console.error(`PostgreSQL is not reachable at ${shown(server)} (${error.message}); the tests need it.`);
    process.exit(1);
  }
  return client;
}

const [command, name] = process.argv.slice(2);
const client = await connected();
try {
  if (command === 'create') {
    const created = `switchboard_ci_${process.pid}_${randomBytes(3).toString('hex')}`;
    await client.query(`CREATE DATABASE ${created}`);
    const url = new URL(server);
    url.pathname = `/${created}`;
    console.log(`${created} ${url.toString()}`);
  } else if (command === 'drop' && /^switchboard_ci_\w+$/.test(name ?? '')) {
    const { rows } = await client.query('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [name]);
    for (const row of rows) await client.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
  } else {
    console.error('usage: test-database.mjs create | drop switchboard_ci_…');
    process.exitCode = 2;
  }
} finally {
  await client.end();
}
