#!/usr/bin/env node
// eddy's command line. The sources are TypeScript; tsx compiles them on load so that a
// fresh checkout runs without a build step (the kernels still need `npm run asbuild`).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/server/cli.ts");
process.exitCode = await main(process.argv.slice(2));
