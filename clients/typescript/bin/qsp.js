#!/usr/bin/env node
// The qsp command; the code is in dist/cli/ (npm run build -w clients/typescript).
import '../dist/cli/main.js'
