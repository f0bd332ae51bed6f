// The write floor across merge windows: how the kernel's share of fan-out falls as frames are
// grouped into fewer writes (bench/floor/floor.ts). Same clip, players and cores as bench/rtmp/run.ts.
//   npx node bench/floor/run.ts [--players 1000] [--seconds 20] [--merge 0,3,6,10,20,200] [--writer c,node]
import { parseArgs } from 'node:util';
import { BENCH_CLIP, ensureClip } from '../rtmp/clip.ts';
import { FloorToolError, floorTable, measureWriteFloor, type FloorWriter } from './floor.ts';

const { values } = parseArgs({
  options: {
    players: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '20' },
    merge: { type: 'string', default: '0,3,6,10,20,200' },
    writer: { type: 'string', default: 'c' },
  },
});
ensureClip(BENCH_CLIP);
const writers = values.writer!.split(',');
for (const writer of writers) if (writer !== 'c' && writer !== 'node') throw new FloorToolError(`--writer: expected c or node, got ${writer}`);
const results = [];
for (const mergeMs of values.merge!.split(',').map(Number)) {
  for (const writer of writers as FloorWriter[]) {
    process.stderr.write(`write floor: ${writer} writer, ${values.players} players, frames merged within ${mergeMs} ms...\n`);
    results.push(
      await measureWriteFloor({
        writer,
        clipPath: BENCH_CLIP,
        players: Number(values.players),
        seconds: Number(values.seconds),
        mergeMs,
        writerCpu: '0',
        sinkCpu: '1',
      }),
    );
  }
}
process.stdout.write(`${new Date().toISOString().slice(0, 10)}: \`npx node bench/floor/run.ts --players ${values.players} --seconds ${values.seconds} --merge ${values.merge} --writer ${values.writer}\`\n\n${floorTable(results)}\n`);
