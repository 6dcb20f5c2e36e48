// Child process running s3rver, the peer of the benchmark. Plain ESM JavaScript because s3rver ships
// no types. Argument: the data directory. Prints `{"port":N}` once listening; SIGTERM closes it.
import S3rver from 's3rver';

const directory = process.argv[2];
if (!directory) {
  console.error('usage: node bench/peers/s3rver.mjs <directory>');
  process.exit(2);
}

const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);

process.once('SIGTERM', () => {
  server.close().finally(() => process.exit(0));
});
