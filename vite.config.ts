import { defineConfig } from "vite";

// The web console (src/web): `npm run dev` serves it with these settings and proxies the
// gateway's endpoints (docs/frames.md) to 127.0.0.1:8787; `vite build` writes dist/web, which
// `eddy serve` serves. The worker is an ES module worker (comlink), and build/eddy.wasm is
// bundled as an asset through src/core/wasm.ts's `new URL(…, import.meta.url)`.

export default defineConfig({
  root: "src/web",
  publicDir: false,
  build: {
    outDir: "../../dist/web",
    emptyOutDir: true,
    target: "es2022",
  },
  worker: { format: "es" },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8787",
      // changeOrigin: the gateway answers only loopback Host names unless EDDY_TOKEN is set.
      "/ws": { target: "ws://127.0.0.1:8787", ws: true, changeOrigin: true },
      "/collect": "http://127.0.0.1:8787",
      "/metrics": "http://127.0.0.1:8787",
    },
  },
});
