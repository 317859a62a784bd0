// A fresh PGlite data folder is made here, in a short-lived process (db/pglite.ts says why):
// node pgliteInitdb.mjs <folder> '<start parameters as JSON>'
import { PGlite } from '@electric-sql/pglite';

const [dir, params] = process.argv.slice(2);
const pg = await PGlite.create(dir, { startParams: JSON.parse(params) });
await pg.close();
