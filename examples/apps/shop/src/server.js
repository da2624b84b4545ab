'use strict';
// shop: the storefront of the qaeci demo. It joins books (MariaDB), prices (HTTP) and stock (Redis).
const fs = require('fs');
const http = require('http');
const path = require('path');
const { healthOf, catalogue } = require('./upstreams');

const CONFIG_PATH = path.join(__dirname, 'conf', 'app.json');

function loadConfig() {
  try {
    return JSON.parse(fs.readFileSync(CONFIG_PATH, 'utf8'));
  } catch (error) {
    console.error(`shop: cannot read config ${CONFIG_PATH}: ${error.message}; render conf/app.json first`);
    process.exit(1);
  }
}

const port = Number(process.env.PORT0);
if (!Number.isInteger(port) || port <= 0) {
  console.error('shop: PORT0 is not set to a port number; qaeci sets it, or run PORT0=8000 node server.js');
  process.exit(1);
}
const config = loadConfig();
const style = fs.readFileSync(path.join(__dirname, 'style.css'), 'utf8');
const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function renderRows(shelf) {
  return shelf.rows.map((row) => {
    const copies = row.copies === null ? '?' : row.copies === 0 ? '<span class="out">sold out</span>' : row.copies;
    return `<tr><td>${escapeHtml(row.title)}</td><td>${escapeHtml(row.author)}</td>`
      + `<td>${escapeHtml(row.price)}</td><td>${copies}</td></tr>`;
  }).join('');
}

function renderPage(shelf, error) {
  const nav = Object.entries(config.links)
    .map(([name, url]) => `<a href="${escapeHtml(url)}">${escapeHtml(name)}</a>`).join('');
  const body = error
    ? `<p class="error">${escapeHtml(error)}</p>`
    : '<table><tr><th>title</th><th>author</th><th>price</th><th>copies</th></tr>'
      + `${renderRows(shelf)}</table><p>Stock lookups answered by Redis: ${shelf.stockLookups}</p>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(config.title)} · `
    + `${escapeHtml(config.env)}</title><style>${style}</style></head><body><h1>${escapeHtml(config.title)}</h1>`
    + `<p>Environment <b>${escapeHtml(config.env)}</b>: titles from <i>books</i> (MariaDB), prices from `
    + `<i>prices</i>, copies from <i>stock</i> (Redis).</p><nav>${nav}</nav>${body}</body></html>`;
}

function reply(response, status, contentType, body) {
  const data = Buffer.from(contentType === 'application/json' ? JSON.stringify(body) : body);
  response.writeHead(status, { 'Content-Type': `${contentType}; charset=utf-8`, 'Content-Length': data.length });
  response.end(data);
}

async function handle(request, response) {
  const route = request.url.split('?')[0];
  if (route === '/health') {
    const report = await healthOf(config.upstreams);
    const failing = Object.entries(report).filter(([, error]) => error !== null);
    if (failing.length === 0) return reply(response, 200, 'application/json', { status: 'ok', upstreams: report });
    return reply(response, 503, 'application/json', { status: 'unavailable', upstreams: report });
  }
  try {
    if (route === '/api/catalogue') return reply(response, 200, 'application/json', await catalogue(config.upstreams));
    if (route === '/') return reply(response, 200, 'text/html', renderPage(await catalogue(config.upstreams), null));
    return reply(response, 404, 'application/json', { error: `no such path ${route}` });
  } catch (error) {
    if (route === '/') return reply(response, 200, 'text/html', renderPage(null, error.message));
    return reply(response, 503, 'application/json', { status: 'unavailable', error: error.message });
  }
}

const host = process.env.HOST || '127.0.0.1';
http.createServer((request, response) => { handle(request, response); })
  .listen(port, host, () => console.log(`shop: listening on ${host}:${port}`));
