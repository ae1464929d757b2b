/**
 * The server's Prometheus metrics (prom-client), on a registry of its own so that several servers
 * in one process (tests) do not share counters. Process metrics (memory, CPU, event-loop lag) are
 * included: the overload bench reads resident memory from here.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServerMetrics {
  registry: Registry;
  requests: Counter<'route' | 'code'>;
  errors: Counter<'route' | 'reason'>;
  images: Counter;
  batchImages: Histogram;
  batchRequests: Histogram;
  latency: Histogram<'route'>;
}

/** Powers of two up to 1024: batch sizes land on their own bucket. */
const BATCH_BUCKETS = Array.from({ length: 11 }, (_, i) => 2 ** i);

export function createMetrics(queueDepth: () => number, prefix = 'cgan_'): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  const m: ServerMetrics = {
    registry,
    requests: new Counter({
      name: `${prefix}requests_total`,
      help: 'HTTP requests by route and status code',
      labelNames: ['route', 'code'],
      registers: [registry],
    }),
    errors: new Counter({
      name: `${prefix}request_errors_total`,
      help:
        'Requests that did not get images: bad_request, too_large, queue_full, timeout, cancelled, ' +
        'shutting_down, internal',
      labelNames: ['route', 'reason'],
      registers: [registry],
    }),
    images: new Counter({ name: `${prefix}images_generated_total`, help: 'Images generated', registers: [registry] }),
    batchImages: new Histogram({
      name: `${prefix}batch_images`,
      help: 'Images per session run',
      buckets: BATCH_BUCKETS,
      registers: [registry],
    }),
    batchRequests: new Histogram({
      name: `${prefix}batch_requests`,
      help: 'Requests per session run',
      buckets: BATCH_BUCKETS,
      registers: [registry],
    }),
    latency: new Histogram({
      name: `${prefix}request_duration_seconds`,
      help: 'Time from request to response, by route',
      labelNames: ['route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
  new Gauge({
    name: `${prefix}queue_depth_images`,
    help: 'Images waiting in the batcher queue',
    registers: [registry],
    collect() {
      this.set(queueDepth());
    },
  });
  return m;
}
