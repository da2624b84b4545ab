'use strict';
// search: finds books by title or author in the catalogue of the `books` app (over HTTP).
const fs = require('fs');
const http = require('http');
const path = require('path');

const CONFIG_PATH = path.join(__dirname, 'conf', 'app.json');
const REQUEST_TIMEOUT_MS = 3000;

function loadConfig() {
  try {
    return JSON.parse(fs.readFileSync(CONFIG_PATH, 'utf8'));
  } catch (error) {
    console.error(`search: cannot read config ${CONFIG_PATH}: ${error.message}; render conf/app.json first`);
    process.exit(1);
  }
}

const port = Number(process.env.PORT0);
if (!Number.isInteger(port) || port <= 0) {
  console.error('search: PORT0 is not set to a port number; qaeci sets it, or run PORT0=8000 node server.js');
  process.exit(1);
}
const config = loadConfig();

function getJson(url) {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { timeout: REQUEST_TIMEOUT_MS }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { body += chunk; });
      response.on('end', () => {
        if (response.statusCode < 200 || response.statusCode > 299) {
          reject(new Error(`${url} answered ${response.statusCode}`));
          return;
        }
        try { resolve(JSON.parse(body)); } catch (error) { reject(new Error(`${url}: ${error.message}`)); }
      });
    });
    request.on('timeout', () => request.destroy(new Error(`${url}: no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    request.on('error', (error) => reject(new Error(`${url}: ${error.message}`)));
  });
}

async function search(query) {
  const { books } = await getJson(`${config.books_url}/api/books`);
  const needle = query.trim().toLowerCase();
  const results = books.filter((book) => !needle
    || book.title.toLowerCase().includes(needle) || book.author.toLowerCase().includes(needle));
  return { query, results };
}

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function renderPage(found, query, error) {
  const list = error
    ? `<p class="error">books app: ${escapeHtml(error)}</p>`
    : `<ul>${found.results.map((b) => `<li>${escapeHtml(b.title)} — ${escapeHtml(b.author)}</li>`).join('')}</ul>`
      + `<p>${found.results.length} result(s).</p>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>search · ${escapeHtml(config.env)}</title></head>`
    + `<body><h1>search</h1><p>Environment <b>${escapeHtml(config.env)}</b>; catalogue from `
    + `<code>${escapeHtml(config.books_url)}</code>.</p><form><input name="q" value="${escapeHtml(query)}">`
    + `<button>Search</button></form>${list}</body></html>`;
}

function reply(response, status, contentType, body) {
  const data = Buffer.from(contentType === 'application/json' ? JSON.stringify(body) : body);
  response.writeHead(status, { 'Content-Type': `${contentType}; charset=utf-8`, 'Content-Length': data.length });
  response.end(data);
}

async function handle(request, response) {
  const url = new URL(request.url, 'http://localhost');
  const query = url.searchParams.get('q') || '';
  try {
    if (url.pathname === '/health') {
      await getJson(`${config.books_url}/health`);
      return reply(response, 200, 'application/json', { status: 'ok', books: 'healthy' });
    }
    if (url.pathname === '/api/search') return reply(response, 200, 'application/json', await search(query));
    if (url.pathname === '/') return reply(response, 200, 'text/html', renderPage(await search(query), query, null));
    return reply(response, 404, 'application/json', { error: `no such path ${url.pathname}` });
  } catch (error) {
    if (url.pathname === '/') return reply(response, 200, 'text/html', renderPage(null, query, error.message));
    return reply(response, 503, 'application/json', { status: 'unavailable', error: error.message });
  }
}

const host = process.env.HOST || '127.0.0.1';
http.createServer((request, response) => { handle(request, response); })
  .listen(port, host, () => console.log(`search: listening on ${host}:${port}`));
