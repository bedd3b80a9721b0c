/**
 * The web app: `npm run build` puts it into dist/ui (served by `smart serve`), `npm run dev:ui` serves it
 * with hot reload on :5173 and proxies the API to a running SMART (SMART_DEV_API, default :8080).
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = process.env.SMART_DEV_API ?? 'http://localhost:8080';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1000,
  },
  server: {
    port: 5173,
    proxy: { '/api': api, '/docs': api },
  },
});
