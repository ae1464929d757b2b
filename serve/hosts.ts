/** Which Host headers a loopback-bound server answers (DNS rebinding). */
import { isIP } from 'node:net';

/**
 * The Host headers a browser sends for a server bound to `host`:`port`, for the DNS-rebinding check
 * both of the project's servers (`cgan demo`, `cgan serve`) make: a page on another site that
 * rebinds its name to 127.0.0.1 still sends its own name as Host, and is refused (421). A wildcard
 * bind (0.0.0.0, ::) was asked for to share the server: its names are not known, so every Host is
 * accepted (null).
 */
export function hostsFor(host: string, port: number): Set<string> | null {
  if (host === '0.0.0.0' || host === '::') return null;
  const names = new Set([host.includes(':') ? `[${host}]` : host]);
  if (host === '127.0.0.1' || host === '::1' || host === 'localhost')
    for (const n of ['127.0.0.1', 'localhost', '[::1]']) names.add(n);
  if (!isIP(host)) names.add(host.toLowerCase());
  return new Set([...names].map((n) => `${n}:${port}`.toLowerCase()));
}
