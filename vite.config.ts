import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
  // .cache/ holds the guest build's kernel tree (scripts/guest-build.sh): nothing to watch there.
  server: { port: 5173, watch: { ignored: ['**/.cache/**'] } },
  preview: { port: 4173, strictPort: true },
});
