import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread running the module at `url`. Run from TypeScript sources (`npm start` through tsx,
 * the tests through vitest) the thread registers tsx first, as a fresh thread knows nothing of the
 * parent's loaders; a compiled build loads the module as it is.
 */
export function startModuleWorker(url: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, options);
  // Resolved here: an eval'd worker resolves bare names from the working directory, which may be anywhere.
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
