/**
 * A graceful drain for the HTTP server (SIGTERM in a rolling restart): stop accepting, answer every
 * request already received, then close. Node's own `server.close()` is not that: it also destroys
 * every connection it counts as idle, and that includes a connection whose request is still in
 * the kernel's buffer, unread because the event loop was busy (the client sees a reset), and a
 * kept-alive one whose client is sending its next request at that moment.
 *
 * Here: the listening socket closes once the kernel's queue of connections waiting to be accepted
 * is empty (those clients have sent their requests: closing would reset them);
 * every answer from then on closes its connection (the server's `Connection: close`); connections
 * that have answered and sit idle get a grace period to send what they already sent, then close;
 * fresh connections are left to deliver their request. Past `timeoutMs`, `onLate` answers what is
 * left (503) and every connection is closed.
 */
import type http from 'node:http';
import { readFileSync } from 'node:fs';
import net from 'node:net';

interface ConnState {
  active: number;
  served: number;
}

/** Per connection: requests being answered and requests answered. Attach before listening. */
export class Connections {
  private readonly state = new Map<net.Socket, ConnState>();
  /** Connections accepted so far. */
  accepted = 0;

  constructor(server: http.Server) {
    server.on('connection', (s: net.Socket) => {
      this.accepted++;
      this.state.set(s, { active: 0, served: 0 });
      s.once('close', () => this.state.delete(s));
    });
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const st = this.state.get(req.socket);
      if (!st) return;
      st.active++;
      res.once('close', () => {
        st.active--;
        st.served++;
      });
    });
  }

  get open(): number {
    return this.state.size;
  }

  /** Closes connections that have answered and wait idle (kept alive); fresh ones may carry a request. */
  closeKeptAlive(): void {
    for (const [s, st] of this.state) if (st.active === 0 && st.served > 0) s.destroy();
  }
}

export interface DrainOptions {
  timeoutMs: number;
  /** How long a kept-alive idle connection may still send a request. */
  graceMs: number;
  /** Called when the drain runs out of time: answer what is still waiting (503). */
  onLate: () => Promise<void>;
}

/** Longest the drain keeps accepting connections that were waiting in the kernel's queue. */
const ACCEPT_WINDOW_MS = 5000;
/** Without a queue length to read (not Linux), accepting ends once no connection came for this long. */
const QUIET_MS = 100;

/**
 * Connections the kernel has queued carry requests their clients have sent, and closing the
 * listener resets them. Node takes them only as fast as its event loop gets to it (measured: a
 * handful per turn while answers are written, so dozens can wait for hundreds of ms): keep the
 * listener open until the kernel's queue is empty (Linux: its length is in /proc/net/tcp{,6}),
 * or, elsewhere, until none came for QUIET_MS; within `windowMs`.
 */
async function acceptQueued(server: http.Server, conns: Connections, windowMs: number): Promise<void> {
  const addr = server.address();
  const port = addr !== null && typeof addr === 'object' ? addr.port : -1;
  const until = performance.now() + windowMs;
  let last = performance.now();
  let seen = conns.accepted;
  while (performance.now() < until) {
    const queued = acceptQueueLength(port);
    if (queued === 0) return;
    if (conns.accepted !== seen) {
      seen = conns.accepted;
      last = performance.now();
    }
    if (queued === null && performance.now() - last >= QUIET_MS) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Connections waiting to be accepted on `port` (Linux: the LISTEN sockets' rx_queue), else null. */
export function acceptQueueLength(port: number): number | null {
  if (process.platform !== 'linux' || port < 0) return null;
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let found = false;
  let n = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8'); // synchronous: the listener closes in the same tick as this read
    } catch {
      // no such table (no IPv6): nothing listens there
    }
    for (const line of text.split('\n')) {
      // sl local_address rem_address st tx_queue:rx_queue ...; st 0A is LISTEN.
      const cols = line.trim().split(/\s+/);
      if (cols[3] !== '0A' || !cols[1]?.endsWith(hexPort)) continue;
      found = true;
      n += Number.parseInt(cols[4]?.split(':')[1] ?? '0', 16) || 0;
    }
  }
  return found ? n : null;
}

/** Drains a listening server; resolves when every connection is closed. */
export async function drain(server: http.Server, conns: Connections, o: DrainOptions): Promise<'drained' | 'late'> {
  await acceptQueued(server, conns, Math.min(ACCEPT_WINDOW_MS, o.timeoutMs / 2));
  const drained = new Promise<'drained'>((r) => net.Server.prototype.close.call(server, () => r('drained')));
  const grace = setTimeout(() => conns.closeKeptAlive(), Math.min(o.graceMs, o.timeoutMs));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), o.timeoutMs)));
  const result = await Promise.race([drained, late]);
  clearTimeout(grace);
  clearTimeout(timer);
  if (result === 'late') {
    await o.onLate();
    server.closeAllConnections();
    await drained;
  }
  return result;
}
