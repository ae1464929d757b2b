import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAX = 120;

test(`no line of code is longer than ${MAX} characters`, () => {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => /\.(ts|mjs|js|css|html)$/.test(f));
  const long: string[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(`${ROOT}/${f}`, 'utf8');
    } catch {
      continue; // deleted in the working tree
    }
    text.split('\n').forEach((line, i) => {
      if (line.length > MAX) long.push(`${f}:${i + 1} (${line.length})`);
    });
  }
  assert.ok(files.length > 50, 'no sources found');
  assert.deepEqual(long, [], `lines over ${MAX} columns:\n${long.join('\n')}`);
});
