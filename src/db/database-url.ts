/** The one place that knows where a database URL keeps its secrets: for config errors, logs, /status and db errors. */

/** libpq's query parameters that carry a secret. */
const URL_SECRET_PARAMS = ['password', 'sslpassword'];

/**
 * `url` with its password (and any `password=` parameter) replaced by `***`, for logs, errors and /status;
 * undefined when `url` is not a URL at all, since then nothing can tell where a password would be.
 */
export function redactDatabaseUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.password !== '') parsed.password = '***';
  for (const param of URL_SECRET_PARAMS) if (parsed.searchParams.has(param)) parsed.searchParams.set(param, '***');
  // URL escapes the stars it was given; show them as they were written.
  return parsed.href.replaceAll('%2A%2A%2A', '***');
}

/** The secrets inside a DATABASE_URL, for the logger to scrub: the URL itself and its password, as written and decoded. */
export function databaseUrlSecrets(url: string | undefined): string[] {
  if (url === undefined) return [];
  const secrets = [url];
  try {
    const parsed = new URL(url);
    const params = URL_SECRET_PARAMS.map((param) => parsed.searchParams.get(param)).filter((value) => value !== null);
    for (const value of [parsed.password, ...params]) if (value !== '') secrets.push(value, decoded(value));
  } catch {
    // Not a URL: loadConfig refuses it before anything could log it.
  }
  return secrets;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
