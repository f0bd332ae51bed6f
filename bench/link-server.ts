// Server half of bench/link.ts: one process serving either the livelink gateway or an
// equivalent Socket.IO server (websocket transport only), driven over IPC by the orchestrator.
//   argv[2]: 'gateway' | 'socketio'
// Both serve: an echo task/ack (cmdid 3 / event 'echo'), a connect-time login that puts the
// first `fanCount` clients into the group/room 'fan', and a broadcast to that group on request.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway } from '@livelink/gateway';
import { Server as SocketIoServer } from 'socket.io';
import { ECHO_CMDID, PUSH_CMDID, wallNow, exitWithParent, type ServerCommand, type ServerReply } from './link-shared.ts';

exitWithParent();
const kind = process.argv[2];
const send = (reply: ServerReply) => process.send!(reply);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

function stampedPayload(bytes: number): Uint8Array {
  const body = new Uint8Array(Math.max(bytes, 8));
  new DataView(body.buffer).setFloat64(0, wallNow());
  return body;
}

let connections: () => number;
let broadcast: (body: Uint8Array) => void;
const http = createServer();

if (kind === 'gateway') {
  const gateway = createGateway({ log: () => {} });
  gateway.handle(ECHO_CMDID, (ctx) => ctx.body);
  // Login payload: "<index>/<fanCount>"; the first fanCount links join the fan-out group.
  gateway.onIdentify(({ body, connection }) => {
    const [index, fanCount] = new TextDecoder().decode(body).split('/').map(Number);
    if (index < fanCount) gateway.join(connection.id, 'fan');
    return { userId: `user-${index}` };
  });
  gateway.attachHttp(http);
  const { port } = await gateway.listenTcp({ host: '0.0.0.0', port: 0, backlog: 8192 });
  connections = () => gateway.metrics.tcpConnections + gateway.metrics.wsConnections;
  broadcast = (body) => gateway.pushToGroup('fan', PUSH_CMDID, body);
  await listen(port);
} else if (kind === 'socketio') {
  const io = new SocketIoServer(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
  let count = 0;
  io.on('connection', (socket) => {
    count++;
    const { index, fanCount } = socket.handshake.auth as { index: number; fanCount: number };
    if (index < fanCount) void socket.join('fan');
    socket.on('echo', (data: unknown, ack: (reply: unknown) => void) => ack(data));
    socket.on('disconnect', () => count--);
  });
  connections = () => count;
  // A string payload: Socket.IO sends each binary argument as an extra WebSocket frame.
  broadcast = (body) => io.to('fan').emit('push', Buffer.from(body).toString('base64'));
  await listen(0);
} else {
  throw new Error(`unknown server kind ${kind}`);
}

async function listen(tcpPort: number): Promise<void> {
  await new Promise<void>((resolve) => http.listen({ host: '0.0.0.0', port: 0, backlog: 8192 }, resolve));
  send({ type: 'ready', tcpPort, httpPort: (http.address() as AddressInfo).port });
}

let cpuStart = process.cpuUsage();
let cpuStartAt = performance.now();

process.on('message', (command: ServerCommand) => {
  switch (command.type) {
    case 'memory': {
      gc!();
      const usage = process.memoryUsage();
      send({ type: 'memory', rss: usage.rss, heapUsed: usage.heapUsed, connections: connections() });
      break;
    }
    case 'broadcast': {
      for (let i = 0; i < command.count; i++) broadcast(stampedPayload(command.bytes));
      break;
    }
    case 'cpu-start':
      cpuStart = process.cpuUsage();
      cpuStartAt = performance.now();
      break;
    case 'cpu-stop': {
      const used = process.cpuUsage(cpuStart);
      const elapsedUs = (performance.now() - cpuStartAt) * 1_000;
      send({ type: 'cpu', percent: (100 * (used.user + used.system)) / elapsedUs });
      break;
    }
  }
});
