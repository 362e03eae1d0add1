// Builds the renderer (src-renderer/, browser only) into dist-renderer/. The same bundle
// is loaded by Electron (its app:// scheme) and by web mode (served over http), so asset URLs are
// relative. JSX goes through vite's built-in oxc transform (automatic runtime), so no
// React plugin is needed. The output must be CSP-friendly: no inline scripts, no eval.
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'src-renderer',
  base: './',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: '../dist-renderer',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // A small inline data: URL would be fine for CSP, but keep every asset a file so a
    // strict img-src/font-src 'self' policy never needs data:.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
  },
  worker: { format: 'es' },
});
