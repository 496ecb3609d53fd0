// A Hono app in the fetch shape (`export default app`), as it runs on Cloudflare,
// Deno, Bun and Spin: each HTTP call is a web Request, the answer a Response.
import { Hono } from 'hono';

const app = new Hono();

app.get('/', (c) => c.text('Hello from Hono on Function Compute'));

app.get('/greet/:name', (c) => c.json({ hello: c.req.param('name'), query: c.req.query('q') ?? null }));

app.post('/echo', async (c) => {
  const body = await c.req.json();
  return c.json({ received: body }, 201);
});

app.notFound((c) => c.json({ error: `no route for ${c.req.path}` }, 404));

export default app;
