// Kept for existing imports; the PostgreSQL layer lives in ./db/.
export { createPool, poolOptions } from './db/pool.ts';
