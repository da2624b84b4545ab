'use strict';
// A tiny Redis client: one connection per command, RESP2 encoding and parsing, bounded by a timeout.
const net = require('net');

function encodeCommand(args) {
  let out = `*${args.length}\r\n`;
  for (const arg of args) {
    const text = String(arg);
    out += `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
  }
  return out;
}

// Parses one reply starting at `offset`; returns {value, next}, or null when more bytes are needed.
function parseReply(buffer, offset) {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd < 0) return null;
  const kind = String.fromCharCode(buffer[offset]);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const next = lineEnd + 2;
  if (kind === '+') return { value: line, next };
  if (kind === '-') return { value: new RedisError(line), next };
  if (kind === ':') return { value: Number(line), next };
  if (kind === '$') {
    const length = Number(line);
    if (length < 0) return { value: null, next };
    if (buffer.length < next + length + 2) return null;
    return { value: buffer.toString('utf8', next, next + length), next: next + length + 2 };
  }
  if (kind === '*') {
    const count = Number(line);
    if (count < 0) return { value: null, next };
    const items = [];
    let position = next;
    for (let i = 0; i < count; i += 1) {
      const item = parseReply(buffer, position);
      if (item === null) return null;
      items.push(item.value);
      position = item.next;
    }
    return { value: items, next: position };
  }
  throw new RedisError(`unexpected reply type ${JSON.stringify(kind)} from server`);
}

class RedisError extends Error {}

function command(host, port, args, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const socket = net.createConnection({ host, port });
    const fail = (error) => { socket.destroy(); reject(error); };
    socket.setTimeout(timeoutMs, () => fail(new RedisError(`no reply from ${host}:${port} within ${timeoutMs} ms`)));
    socket.on('error', (error) => fail(new RedisError(`${host}:${port}: ${error.message}`)));
    socket.on('connect', () => socket.write(encodeCommand(args)));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      let reply;
      try { reply = parseReply(received, 0); } catch (error) { fail(error); return; }
      if (reply === null) return;
      socket.end();
      if (reply.value instanceof RedisError) reject(reply.value); else resolve(reply.value);
    });
  });
}

module.exports = { command, encodeCommand, parseReply, RedisError };
