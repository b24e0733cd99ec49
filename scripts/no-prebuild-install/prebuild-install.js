#!/usr/bin/env node
// better-sqlite3 installs with `prebuild-install || node-gyp rebuild --release`: failing here, without a
// download attempt, makes it compile from source against the local Node headers.
process.exitCode = 1;
