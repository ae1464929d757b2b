// Part of this package's build: `cgan eval` judges with the committed classifier (models/classifier/ at the
// repository root), which the package ships beside its dist/ (eval/classifier.ts finds it from the package root).
import { cpSync } from 'node:fs';

cpSync(new URL('../models/classifier/', import.meta.url), new URL('./models/classifier/', import.meta.url), {
  recursive: true,
});
