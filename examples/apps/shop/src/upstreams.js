'use strict';
// Calls to the shop's upstream apps (books, prices, stock) over HTTP, each bounded by a timeout.
const http = require('http');

const REQUEST_TIMEOUT_MS = 3000;

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

// Every upstream's /health, in parallel: {name: null when healthy, else the error message}.
async function healthOf(upstreams) {
  const names = Object.keys(upstreams);
  const outcomes = await Promise.allSettled(names.map((name) => getJson(`${upstreams[name]}/health`)));
  const report = {};
  names.forEach((name, i) => { report[name] = outcomes[i].status === 'fulfilled' ? null : outcomes[i].reason.message; });
  return report;
}

// One row per book: title and author from books, price from prices, copies from stock.
async function catalogue(upstreams) {
  const [books, prices, stock] = await Promise.all([
    getJson(`${upstreams.books}/api/books`),
    getJson(`${upstreams.prices}/api/prices`),
    getJson(`${upstreams.stock}/api/stock`),
  ]);
  const rows = books.books.map((book) => ({
    id: book.id,
    title: book.title,
    author: book.author,
    price: (prices.prices[String(book.id)] || {}).display || 'n/a',
    copies: stock.levels[String(book.id)] === undefined ? null : stock.levels[String(book.id)],
  }));
  return { rows, stockLookups: stock.lookups };
}

module.exports = { getJson, healthOf, catalogue };
