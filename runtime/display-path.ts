import path from 'node:path';

/** A path relative to the working directory when it lies inside it (reports travel between machines). */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}
