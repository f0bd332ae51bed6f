// The `livelink` command: one entry, one module per subcommand.
import { runXlogCommand } from '@livelink/xlog';
import { runServe } from './serve.ts';
import { runToken } from './token.ts';

const usage = `Usage: livelink <command> [options]

Commands:
  serve     run the streaming server, link gateway and web app (livelink serve --help)
  token     sign a publish/play token for a stream (livelink token --help)
  xlog      decode xlog files and make keys (livelink xlog --help)
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return runServe(rest);
    case 'token':
      return runToken(rest);
    case 'xlog':
      return runXlogCommand(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(usage);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`livelink: unknown command "${command}"\n\n${usage}`);
      return 1;
  }
}

const exitCode = await main(process.argv.slice(2));
if (exitCode !== 0) process.exitCode = exitCode;
