// The ceiling for the API benchmark: the same Fastify, one route, a constant JSON body, nothing else.
import Fastify from 'fastify';

const port = Number(process.env.BENCH_PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error('set BENCH_PORT');

const app = Fastify({ logger: false });
app.get('/', () => ({ hello: 'world' }));
await app.listen({ port, host: '127.0.0.1' });
