'use strict';
// stock: how many copies of each book are on the shelf, kept in Redis (hash `stock:levels`).
const fs = require('fs');
const http = require('http');
const path = require('path');
const redis = require('./resp');

const CONFIG_PATH = path.join(__dirname, 'conf', 'app.json');

function loadConfig() {
  try {
    return JSON.parse(fs.readFileSync(CONFIG_PATH, 'utf8'));
  } catch (error) {
    console.error(`stock: cannot read config ${CONFIG_PATH}: ${error.message}; render conf/app.json first`);
    process.exit(1);
  }
}

const port = Number(process.env.PORT0);
if (!Number.isInteger(port) || port <= 0) {
  console.error('stock: PORT0 is not set to a port number; qaeci sets it, or run PORT0=8000 node server.js');
  process.exit(1);
}
const config = loadConfig();
const call = (...args) => redis.command(config.redis.host, config.redis.port, args);

// A fresh environment's Redis is empty: stock it from the config, never overwriting live levels.
async function readLevels() {
  let flat = await call('HGETALL', 'stock:levels');
  if (flat.length === 0) {
    for (const [bookId, count] of Object.entries(config.initial_stock)) {
      await call('HSETNX', 'stock:levels', bookId, count);
    }
    flat = await call('HGETALL', 'stock:levels');
  }
  const levels = {};
  for (let i = 0; i < flat.length; i += 2) levels[flat[i]] = Number(flat[i + 1]);
  const lookups = await call('INCR', 'stock:lookups');
  return { levels, lookups };
}

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function renderPage(stock, error) {
  const body = error
    ? `<p class="error">Redis: ${escapeHtml(error)}</p>`
    : '<table><tr><th>book id</th><th>copies</th></tr>'
      + Object.entries(stock.levels).map(([id, n]) => `<tr><td>${escapeHtml(id)}</td><td>${n}</td></tr>`).join('')
      + `</table><p>Lookups served from Redis so far: ${stock.lookups}</p>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>stock · ${escapeHtml(config.env)}</title></head>`
    + `<body><h1>stock</h1><p>Environment <b>${escapeHtml(config.env)}</b>; levels from Redis `
    + `${escapeHtml(config.redis.host)}:${config.redis.port}.</p>${body}</body></html>`;
}

function reply(response, status, contentType, body) {
  const data = Buffer.from(contentType === 'application/json' ? JSON.stringify(body) : body);
  response.writeHead(status, { 'Content-Type': `${contentType}; charset=utf-8`, 'Content-Length': data.length });
  response.end(data);
}

async function handle(request, response) {
  const route = request.url.split('?')[0];
  try {
    if (route === '/health') {
      const pong = await call('PING');
      return reply(response, 200, 'application/json', { status: 'ok', redis: pong });
    }
    if (route === '/api/stock') return reply(response, 200, 'application/json', await readLevels());
    if (route === '/') return reply(response, 200, 'text/html', renderPage(await readLevels(), null));
    return reply(response, 404, 'application/json', { error: `no such path ${route}` });
  } catch (error) {
    if (route === '/') return reply(response, 200, 'text/html', renderPage(null, error.message));
    return reply(response, 503, 'application/json', { status: 'unavailable', error: error.message });
  }
}

const host = process.env.HOST || '127.0.0.1';
http.createServer((request, response) => { handle(request, response); })
  .listen(port, host, () => console.log(`stock: listening on ${host}:${port}`));
