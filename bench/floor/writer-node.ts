// writer.c's fan-out written the way a Node server writes: net sockets, one socket.write() of a shared
// Buffer per player per frame group, TCP_NODELAY. No protocol, no parsing, no copying: what this
// adds to writer.c's CPU is the price of Node's stream layer and libuv per write, which any Node
// server (ours, Node-Media-Server) pays before doing any work of its own. Same arguments, stdin
// and JSON line as writer.c; used by bench/floor/floor.ts.
//
//   node bench/floor/writer-node.ts PORT PLAYERS SECONDS MERGE_MS LOOP_MS < frames
import net from 'node:net';
import { text } from 'node:stream/consumers';
import { setTimeout as sleep } from 'node:timers/promises';

const MAX_WRITE = 1 << 22;

const [port, players, seconds, mergeMs, loopMs] = process.argv.slice(2).map(Number);
if (process.argv.length !== 7 || [port, players, seconds, mergeMs, loopMs].some((value) => !Number.isFinite(value))) {
  process.stderr.write('usage: writer-node.ts PORT PLAYERS SECONDS MERGE_MS LOOP_MS < frames\n');
  process.exit(2);
}
const frames = (await text(process.stdin))
  .trim()
  .split('\n')
  .map((line) => line.split(' ').map(Number) as [timestamp: number, bytes: number]);

const connections: net.Socket[] = [];
const listener = net.createServer({ noDelay: true }, (socket) => {
  connections.push(socket);
  socket.on('error', () => {}); // a reader gone at the end of the run: nothing left to measure
});
await new Promise<void>((resolve) => listener.listen({ port, host: '127.0.0.1', backlog: 4096 }, resolve));
while (connections.length < players) await sleep(5);
listener.close();

const payload = Buffer.alloc(MAX_WRITE, 0x5a);
const start = performance.now();
const cpuStart = process.cpuUsage();
let writes = 0;
let sent = 0;
let shortWrites = 0;
for (let frame = 0, loop = 0; ; ) {
  const due = loop * loopMs + frames[frame]![0];
  if (due > seconds * 1e3) break;
  const wait = start + due - performance.now();
  if (wait > 0) await sleep(wait);
  let size = frames[frame]![1];
  let next = frame + 1;
  while (next < frames.length && frames[next]![0] - frames[frame]![0] <= mergeMs) size += frames[next++]![1];
  const chunk = payload.subarray(0, Math.min(size, MAX_WRITE));
  for (const socket of connections) {
    socket.write(chunk);
    // Left in Node's queue, not taken by the kernel at once: a reader that fell behind.
    if (socket.writableLength > 0) shortWrites++;
    writes++;
    sent += chunk.length;
  }
  frame = next;
  if (frame >= frames.length) (frame = 0), loop++;
}
const elapsed = performance.now() - start;
const cpu = process.cpuUsage(cpuStart);
process.stdout.write(
  JSON.stringify({
    cpuPercent: Number((((cpu.user + cpu.system) / 1e3 / elapsed) * 100).toFixed(1)),
    userCpuPercent: Number(((cpu.user / 1e3 / elapsed) * 100).toFixed(1)),
    writesPerSecond: Math.round((writes / elapsed) * 1e3),
    bytesPerWrite: Math.round(writes > 0 ? sent / writes : 0),
    shortWrites,
    megabitsPerSecond: Math.round((sent * 8) / elapsed / 1e3),
  }) + '\n',
);
for (const socket of connections) socket.destroy();
