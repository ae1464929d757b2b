// Worker threads start without the parent's TypeScript loader when the CLI registered it at run
// time, so each worker registers tsx itself before loading the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
