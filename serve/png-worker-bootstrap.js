// Worker threads start without the parent's TypeScript loader when it was registered at run time,
// so the worker registers tsx itself before loading the TypeScript worker (as train/ does).
import { register } from 'tsx/esm/api';

register();
await import('./png-worker.ts');
