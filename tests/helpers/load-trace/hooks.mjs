// Module hooks for tests: print the URL of every ES module Node loads (one "LOADED <url>" line on stderr).
export async function load(url, context, next) {
  process.stderr.write(`LOADED ${url}\n`);
  return next(url, context);
}
