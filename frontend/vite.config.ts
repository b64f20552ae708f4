import { defineConfig } from 'vite';

// The build goes to dist/, which main.go embeds (all:frontend/dist).
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});
