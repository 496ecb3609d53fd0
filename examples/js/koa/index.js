'use strict';

// A Koa app as FC's web-framework template writes one: a router, a JSON body
// parser, an error-handling middleware, and app.listen on the function's port.
const Koa = require('koa');
const Router = require('@koa/router');
const { bodyParser } = require('@koa/bodyparser');

const app = new Koa();
const router = new Router();
const items = new Map();

app.use(async (ctx, next) => {
  try {
    await next();
  } catch (err) {
    ctx.status = err.status || 500;
    ctx.body = { error: err.message };
  }
});
app.use(bodyParser());

router.get('/', (ctx) => {
  ctx.body = 'Hello from Koa on Function Compute';
});

router.post('/items', (ctx) => {
  const { name } = ctx.request.body || {};
  ctx.assert(name, 400, 'name is required');
  const id = String(items.size + 1);
  items.set(id, { id, name });
  console.log('created item', id, name);
  ctx.status = 201;
  ctx.body = items.get(id);
});

router.get('/items/:id', (ctx) => {
  const item = items.get(ctx.params.id);
  ctx.assert(item, 404, 'no such item');
  ctx.body = item;
});

app.use(router.routes()).use(router.allowedMethods());

app.listen(process.env.FC_SERVER_PORT || 9000);
