import { startTestPostgres } from "./postgres.js";

/**
 * Vitest global setup of the postgres project: uses TESSERA_TEST_PG_URL when given, otherwise
 * starts a server of its own for the run. Workers inherit the URL through the environment.
 */
export default async function setup() {
  if (process.env.TESSERA_TEST_PG_URL) return;
  const pg = await startTestPostgres();
  process.env.TESSERA_TEST_PG_URL = pg.url;
  return () => pg.stop();
}
