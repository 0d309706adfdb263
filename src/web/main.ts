import { instantiateCore } from "../core/wasm";

// Placeholder shell until the console issue lands: proves the core loads in a browser.
const app = document.querySelector<HTMLElement>("#app")!;
instantiateCore()
  .then((core) => {
    app.textContent = `eddy core loaded (ABI ${core.core_abi_version()})`;
  })
  .catch((err: unknown) => {
    app.textContent = `eddy core failed to load: ${String(err)}`;
  });
