'use strict';
// `npm run build`: syntax-check the sources and assemble dist/ (server, config template, build info).
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');

fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(path.join(dist, 'conf'), { recursive: true });
for (const file of fs.readdirSync(path.join(root, 'src'))) {
  const source = path.join(root, 'src', file);
  execFileSync(process.execPath, ['--check', source], { stdio: 'inherit' });
  fs.copyFileSync(source, path.join(dist, file));
}
fs.copyFileSync(path.join(root, 'conf', 'app.json'), path.join(dist, 'conf', 'app.json'));
fs.writeFileSync(path.join(dist, 'build-info.json'),
  JSON.stringify({ node: process.version, built_at: new Date().toISOString() }) + '\n');
console.log(`search: built ${dist}`);
