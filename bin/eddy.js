#!/usr/bin/env node
// eddy's command line. The sources are TypeScript; tsx compiles them on load so that a
// fresh checkout runs without a build step (the kernels still need `npm run asbuild`).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/server/cli.ts");
const code = await main(process.argv.slice(2));
process.exitCode = code;
// A command that returned is done. A client library may still hold a socket or a retry timer
// (kafkajs after a lost broker): exit shortly after anyway, without cutting off pending output.
setTimeout(() => process.exit(code), 2000).unref();
