import { defineConfig } from 'vite'

// The library build: one ESM file, dependencies left as imports, no Node polyfills.
export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    lib: {
      entry: 'src/index.ts',
      formats: ['es'],
      fileName: () => 'index.js',
    },
    rollupOptions: {
      external: ['cbor-x', 'eventemitter3'],
    },
  },
})
