// `node --require <this file> …`: trace the CommonJS modules a process compiles (one "REQUIRED <path>" line on stderr
// each), to check what a command loads beside its ES modules (register.mjs).
const Module = require('node:module');
const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename) {
  process.stderr.write(`REQUIRED ${filename}\n`);
  return compile.call(this, content, filename);
};
