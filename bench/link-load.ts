// Load half of bench/link.ts: opens many links to the server under test and measures what the
// clients see. Gateway links speak raw frames through the shared codec; Socket.IO links speak
// the Engine.IO v4 / Socket.IO v5 text protocol directly over `ws`, so neither side pays for a
// full client library per connection and the load process stays comparable for both.

import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { marsPacker, HELLO_CMDID, IDENTIFY_SEQ, PUSH_SEQ, type FrameDecoder, type LinkFrame } from '@livelink/link';
import { ECHO_CMDID, IDENTIFY_CMDID, wallNow, exitWithParent, type LoadCommand, type LoadReply } from './link-shared.ts';

exitWithParent();
const packer = marsPacker();
const reply = (message: LoadReply) => process.send!(message);

interface BenchLink {
  /** Sends one echo request carrying `id`. */
  echo(id: number, payload: Uint8Array): void;
  close(): void;
}

interface Sink {
  onEcho(id: number): void;
  onPush(sentAt: number): void;
}

let sink: Sink = { onEcho: () => {}, onPush: () => {} };
const links: BenchLink[] = [];

// --- gateway links (TCP or WebSocket) -----------------------------------------------------

function onGatewayFrame(frame: LinkFrame, identified: () => void): void {
  if (frame.seq === PUSH_SEQ) sink.onPush(new DataView(frame.body.buffer, frame.body.byteOffset, 8).getFloat64(0));
  else if (frame.seq === IDENTIFY_SEQ) identified();
  else sink.onEcho(frame.seq);
}

function loginFrames(index: number, fanCount: number): Uint8Array[] {
  const encoder = new TextEncoder();
  return [
    packer.encode({ cmdid: HELLO_CMDID, seq: 0, body: encoder.encode(`bench-${index}`) }),
    packer.encode({ cmdid: IDENTIFY_CMDID, seq: IDENTIFY_SEQ, body: encoder.encode(`${index}/${fanCount}`) }),
  ];
}

function openGatewayTcp(port: number, localAddress: string, index: number, fanCount: number): Promise<BenchLink> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: '127.0.0.1', port, localAddress, noDelay: true });
    const decoder: FrameDecoder = packer.createDecoder();
    const link: BenchLink = {
      echo: (id, payload) => socket.write(packer.encode({ cmdid: ECHO_CMDID, seq: id, body: payload })),
      close: () => socket.destroy(),
    };
    socket.once('error', reject);
    socket.once('connect', () => {
      for (const frame of loginFrames(index, fanCount)) socket.write(frame);
    });
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
        onGatewayFrame(frame, () => resolve(link));
      }
    });
  });
}

function openGatewayWs(port: number, localAddress: string, index: number, fanCount: number): Promise<BenchLink> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/link`, { localAddress, perMessageDeflate: false });
    const link: BenchLink = {
      echo: (id, payload) => ws.send(packer.encode({ cmdid: ECHO_CMDID, seq: id, body: payload })),
      close: () => ws.terminate(),
    };
    ws.once('error', reject);
    ws.once('open', () => {
      for (const frame of loginFrames(index, fanCount)) ws.send(frame);
    });
    ws.on('message', (data: Buffer) => {
      for (const frame of packer.createDecoder().push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))) {
        onGatewayFrame(frame, () => resolve(link));
      }
    });
  });
}

// --- Socket.IO links (Engine.IO v4 packets over a raw WebSocket) --------------------------

function openSocketIo(port: number, localAddress: string, index: number, fanCount: number): Promise<BenchLink> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, { localAddress, perMessageDeflate: false });
    const link: BenchLink = {
      // "4" message, "2" event, then the ack id, then the JSON array.
      echo: (id, payload) => ws.send(`42${id}["echo","${Buffer.from(payload).toString('base64')}"]`),
      close: () => ws.terminate(),
    };
    ws.once('error', reject);
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      if (text === '2') ws.send('3'); // Engine.IO ping → pong
      else if (text.startsWith('0')) ws.send(`40${JSON.stringify({ index, fanCount })}`);
      else if (text.startsWith('40')) resolve(link);
      else if (text.startsWith('43')) sink.onEcho(Number(text.slice(2, text.indexOf('['))));
      else if (text.startsWith('42["push"')) {
        const b64 = text.slice('42["push","'.length, -2);
        const body = Buffer.from(b64, 'base64');
        sink.onPush(body.readDoubleBE(0));
      }
    });
  });
}

// --- phases ---------------------------------------------------------------------------------

async function open(command: Extract<LoadCommand, { type: 'open' }>): Promise<void> {
  const started = performance.now();
  const opener =
    command.kind === 'tcp'
      ? (i: number, address: string) => openGatewayTcp(command.tcpPort, address, i, command.fanCount)
      : command.kind === 'ws'
        ? (i: number, address: string) => openGatewayWs(command.httpPort, address, i, command.fanCount)
        : (i: number, address: string) => openSocketIo(command.httpPort, address, i, command.fanCount);
  const concurrency = 200;
  let next = 0;
  async function worker(): Promise<void> {
    while (next < command.count) {
      const i = next++;
      links.push(await opener(i, command.sourceAddresses[i % command.sourceAddresses.length]));
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  reply({ type: 'opened', count: links.length, ms: performance.now() - started });
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function expectPushes(total: number, timeoutMs: number): void {
  const latencies = new Float64Array(total);
  let received = 0;
  let firstAt = 0;
  let lastAt = 0;
  const finish = () => {
    clearTimeout(timer);
    sink = { onEcho: () => {}, onPush: () => {} };
    const sorted = latencies.subarray(0, received).sort();
    reply({ type: 'pushes', received, firstAt, lastAt, p50: percentile(sorted, 50), p99: percentile(sorted, 99) });
  };
  const timer = setTimeout(finish, timeoutMs);
  sink = {
    onEcho: () => {},
    onPush: (sentAt) => {
      const now = wallNow();
      if (received === 0) firstAt = now;
      lastAt = now;
      latencies[received++] = now - sentAt;
      if (received === total) finish();
    },
  };
}

async function rtt(command: Extract<LoadCommand, { type: 'rtt' }>): Promise<void> {
  const active = links.slice(0, command.connections);
  const payload = new Uint8Array(command.payloadBytes).fill(0x61);
  const slots = active.length * command.window;
  const sentAt = new Float64Array(slots);
  const capacity = 4_000_000;
  const samples = new Float64Array(capacity);
  let count = 0;
  let recording = false;
  let running = true;
  // Each (link, slot) pair keeps one request outstanding. Every request gets a fresh seq (the
  // gateway would rightly answer a repeated seq from its retry cache): seq = slot + 1 + k * slots.
  const send = (seq: number) => {
    const slot = (seq - 1) % slots;
    sentAt[slot] = performance.now();
    active[Math.floor(slot / command.window)].echo(seq, payload);
  };
  sink = {
    onPush: () => {},
    onEcho: (seq) => {
      const slot = (seq - 1) % slots;
      if (recording && count < capacity) samples[count++] = performance.now() - sentAt[slot];
      if (running) send(seq + slots);
    },
  };
  for (let slot = 0; slot < slots; slot++) send(slot + 1);
  await new Promise((r) => setTimeout(r, command.warmupMs));
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  recording = true;
  await new Promise((r) => setTimeout(r, command.durationMs));
  recording = false;
  const seconds = (performance.now() - started) / 1_000;
  const cpu = process.cpuUsage(cpuBefore);
  running = false;
  await new Promise((r) => setTimeout(r, 200)); // let in-flight answers drain
  sink = { onEcho: () => {}, onPush: () => {} };
  const sorted = samples.subarray(0, count).sort();
  reply({
    type: 'rtt',
    completed: count,
    seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    loadCpuPercent: (100 * (cpu.user + cpu.system)) / (seconds * 1e6),
  });
}

process.on('message', (command: LoadCommand) => {
  const run = async () => {
    switch (command.type) {
      case 'open':
        return open(command);
      case 'expect-pushes':
        return expectPushes(command.total, command.timeoutMs);
      case 'rtt':
        return rtt(command);
      case 'close':
        for (const link of links.splice(0)) link.close();
        reply({ type: 'closed' });
        return;
    }
  };
  run().catch((error: unknown) => reply({ type: 'error', message: String(error) }));
});
